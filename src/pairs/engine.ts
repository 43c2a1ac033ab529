import { InputError } from "../errors.js";
import type { Trajectory } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";
import { type AnalyseOptions, analyseTask } from "./analyse.js";
import { lightTrajectory } from "./light.js";
import { lineNumbersAt, PlainFile } from "./lines.js";
import type { TaskStats } from "./stats.js";

/**
 * The units of work of a corpus run, free of threads so that they run the same in a worker
 * (worker.ts) and in-process:
 * - a *segment* job: a byte range of a task-sorted file; it owns every task whose first line
 *   starts in the range, reads past its end to finish its last task and skips a leading task
 *   begun in the previous segment, so tasks never straddle two jobs;
 * - an *index* job (unsorted input): the task id, offset and length of every line in a range;
 * - a *task* job (unsorted input): one task's lines by offset.
 */

export interface EngineOptions {
  analyse: AnalyseOptions;
  /** Count and pass over invalid records instead of stopping at the first. */
  skipInvalid: boolean;
  /** `full` zod validation (default) or the `light` structural check of light.ts (`--fast`). */
  validation?: "full" | "light";
  /** Which outputs to render as text. */
  output: { pairs: boolean; ablation: boolean; tree: boolean };
}

/** One task's outputs, rendered as text ready to write. */
export interface TaskResult {
  taskId: string;
  stats: TaskStats;
  /** JSONL text of the critical pairs ("" when none). */
  pairs: string;
  /** JSONL text of the trajectory-level pairs. */
  ablation: string;
  /** The tree document as JSON text, when asked for. */
  tree: string | null;
}

/** A record passed over with `skipInvalid`; the line is resolved from the offset later. */
export interface Skipped {
  file: string;
  offset: number;
  message: string;
}

export interface SegmentJob {
  kind: "segment";
  file: string;
  start: number;
  end: number;
}
export interface SegmentSummary {
  /** Tasks this segment owned, in order. */
  tasks: string[];
  bytes: number;
  trajectories: number;
  skipped: Skipped[];
  /** Set when a task came back after another one: the input is not sorted by task. */
  unsorted: string | null;
}

export interface IndexJob {
  kind: "index";
  file: string;
  start: number;
  end: number;
}
export type IndexEntry = [taskId: string, offset: number, length: number];
export interface IndexSummary {
  entries: IndexEntry[];
  bytes: number;
  skipped: Skipped[];
}

export interface TaskJob {
  kind: "task";
  taskId: string;
  /** Each record of the task, in input order. */
  parts: { file: string; offset: number; length: number }[];
}
export interface TaskJobSummary {
  result: TaskResult;
  skipped: Skipped[];
}

/** Re-raise an InputError with the line number its byte offset is on. */
function atLine(error: InputError, file: string, offset: number): InputError {
  const line = lineNumbersAt(file, [offset]).get(offset);
  const bare = error.message.replace(/^(?:field [^:]+: )/, "");
  return new InputError(bare, { file, line, field: error.field });
}

/**
 * Parse and validate one line. Invalid records throw (with file and line) or, with
 * skipInvalid, land in `skipped` and give null.
 */
function readRecord(
  text: string,
  file: string,
  offset: number,
  options: EngineOptions,
  skipped: Skipped[],
): Trajectory | null {
  const invalid = (error: InputError): null => {
    if (!options.skipInvalid) throw atLine(error, file, offset);
    skipped.push({ file, offset, message: error.message });
    return null;
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid(new InputError(`malformed JSON: ${(error as Error).message}`));
  }
  try {
    return options.validation === "light" ? lightTrajectory(value) : parseTrajectory(value);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return invalid(error);
  }
}

function render(taskId: string, trajectories: Trajectory[], options: EngineOptions): TaskResult {
  const analysis = analyseTask(taskId, trajectories, {
    ...options.analyse,
    treeFile: options.output.tree,
    criticalPairs: options.output.pairs,
    ablation: options.output.ablation ? (options.analyse.ablation ?? {}) : null,
  });
  const jsonl = (values: unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join("");
  return {
    taskId,
    stats: analysis.stats,
    pairs: jsonl(analysis.pairs),
    ablation: jsonl(analysis.trajectoryPairs),
    tree: analysis.treeFile ? JSON.stringify(analysis.treeFile) : null,
  };
}

class Unsorted extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} appears again after other tasks`);
  }
}

/**
 * The task of the last valid record that starts before `start`: the task the previous segment
 * ends with (and finishes past its end). `start` may fall inside that record. Invalid records
 * are transparent to ownership on both sides of a boundary, so both segments agree.
 */
function taskBefore(file: PlainFile, start: number, options: EngineOptions): string | null {
  // The record holding byte start - 1, then earlier ones while they are blank or invalid.
  let lineStart = file.lineStartBefore(start);
  let lineEnd = file.read(start - 1, 1)[0] === 10 ? start - 1 : file.findNewline(start);
  if (lineEnd === -1) lineEnd = file.size;
  for (;;) {
    const taskId = validTaskId(file.text(lineStart, lineEnd - lineStart), file.path, lineStart, options);
    if (taskId !== null) return taskId;
    if (lineStart === 0) return null;
    lineEnd = lineStart - 1;
    lineStart = file.lineStartBefore(lineStart);
  }
}

/** The task of a record if it is valid, else null (never throws: the owner reports it). */
function validTaskId(text: string, path: string, offset: number, options: EngineOptions): string | null {
  if (/^\s*$/.test(text)) return null;
  try {
    return readRecord(text, path, offset, { ...options, skipInvalid: true }, [])?.task_id ?? null;
  } catch (error) {
    if (error instanceof InputError) return null;
    throw error;
  }
}

/** The task id of a record, without validating the rest (for ownership checks past `end`). */
function taskIdOf(text: string): string | null {
  try {
    const value = JSON.parse(text) as { task_id?: unknown };
    return typeof value?.task_id === "string" ? value.task_id : null;
  } catch {
    return null;
  }
}

/** Process one segment of a task-sorted file; `emit` gets each owned task's result in order. */
export function runSegment(
  job: SegmentJob,
  options: EngineOptions,
  emit: (result: TaskResult) => void,
): SegmentSummary {
  const file = new PlainFile(job.file);
  const summary: SegmentSummary = { tasks: [], bytes: 0, trajectories: 0, skipped: [], unsorted: null };
  const finished = new Set<string>();
  let head = job.start > 0 ? taskBefore(file, job.start, options) : null;
  // The task being gathered (a holder object: the closure below replaces it). A group is
  // rendered as soon as another task starts, before anyone can know whether the task comes back
  // later (then the input is unsorted and run.ts drops what this attempt rendered). So in the
  // sorted attempt of interleaved input analyseTask sees arbitrary subsets of a task's records,
  // often one record (isolated, so an empty tree): rendering must work for any subset, and any
  // error it throws is a real one, reported as such rather than taken for "unsorted".
  const current: { group: { taskId: string; trajectories: Trajectory[] } | null } = { group: null };
  const finish = () => {
    const { group } = current;
    if (!group) return;
    finished.add(group.taskId);
    summary.tasks.push(group.taskId);
    emit(render(group.taskId, group.trajectories, options));
    current.group = null;
  };
  try {
    for (const line of file.linesFrom(job.start)) {
      if (line.offset >= job.end) {
        // Past the range: only the last owned task's records still belong here.
        if (!current.group) break;
        if (/^\s*$/.test(line.text)) continue;
        const taskId = validTaskId(line.text, job.file, line.offset, options);
        if (taskId === null) continue; // an invalid record: the next segment reports it
        if (taskId !== current.group.taskId) break;
      }
      if (line.offset < job.end) summary.bytes += line.length + 1;
      if (/^\s*$/.test(line.text)) continue;
      // A record past the range that fails validation is reported by the segment owning its line.
      const skippedHere = line.offset < job.end ? summary.skipped : [];
      const trajectory = readRecord(line.text, job.file, line.offset, options, skippedHere);
      if (!trajectory) continue;
      const taskId = trajectory.task_id;
      if (head !== null) {
        if (taskId === head) continue; // owned by the previous segment
        finished.add(head);
        head = null;
      }
      let group = current.group;
      if (group?.taskId !== taskId) {
        finish();
        if (finished.has(taskId)) throw new Unsorted(taskId);
        group = { taskId, trajectories: [] };
        current.group = group;
      }
      group.trajectories.push(trajectory);
      summary.trajectories++;
    }
    finish();
  } catch (error) {
    if (!(error instanceof Unsorted)) throw error;
    summary.unsorted = error.taskId;
  } finally {
    file.close();
  }
  return summary;
}

/** Index one byte range of a file: task id, offset and length of each record. */
export function runIndex(job: IndexJob, options: EngineOptions): IndexSummary {
  const file = new PlainFile(job.file);
  const summary: IndexSummary = { entries: [], bytes: 0, skipped: [] };
  try {
    for (const line of file.linesFrom(job.start)) {
      if (line.offset >= job.end) break;
      summary.bytes += line.length + 1;
      if (/^\s*$/.test(line.text)) continue;
      const taskId = taskIdOf(line.text);
      if (taskId === null) {
        // Let full validation say what is wrong (malformed JSON, missing task_id, ...).
        readRecord(line.text, job.file, line.offset, options, summary.skipped);
        continue;
      }
      summary.entries.push([taskId, line.offset, line.length]);
    }
  } finally {
    file.close();
  }
  return summary;
}

/** Process one task of an unsorted file from its lines' offsets. */
export function runTaskJob(job: TaskJob, options: EngineOptions): TaskJobSummary {
  const files = new Map<string, PlainFile>();
  const skipped: Skipped[] = [];
  const trajectories: Trajectory[] = [];
  try {
    for (const { file: path, offset, length } of job.parts) {
      let file = files.get(path);
      if (!file) {
        file = new PlainFile(path);
        files.set(path, file);
      }
      const trajectory = readRecord(file.text(offset, length), path, offset, options, skipped);
      if (trajectory) trajectories.push(trajectory);
    }
  } finally {
    for (const file of files.values()) file.close();
  }
  return { result: render(job.taskId, trajectories, options), skipped };
}
