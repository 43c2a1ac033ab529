import { readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { InputError } from "../errors.js";
import { parseJsonLine } from "../io/jsonl.js";
import { analyseTask } from "../pairs/analyse.js";
import type { Pair } from "../schema/pair.js";
import type { Trajectory } from "../schema/trajectory.js";
import { parsePair, parseTrajectory } from "../schema/validate.js";
import { SEALIGN_VERSION } from "../version.js";
import { discoverFiles, type IgnoredFile, type ViewFile } from "./discover.js";
import { indexJsonl, type RecordLocation, readRecordAt } from "./line-index.js";
import { type PairSummary, summarizePair, summarizeTrajectory, type TrajectorySummary } from "./summaries.js";
import { normalizeTree, type ViewTree } from "./trees.js";

/**
 * A run without `run_id` is named by its folder (relative to the working folder when inside it),
 * plus the file's name when that is not the usual `trajectories.jsonl`: `runs/base`,
 * `runs/aligned`, `imports/swe-agent`.
 */
export function runLabel(path: string): string {
  const folder = dirname(path);
  const rel = relative(process.cwd(), folder);
  const where = rel === "" ? "" : !rel.startsWith("..") && !isAbsolute(rel) ? rel : folder;
  const name = basename(path).replace(/\.(jsonl|ndjson)(\.gz|\.zst|\.zstd)?$/, "");
  if (name === "trajectories") return where === "" ? basename(resolve(folder)) : where;
  return where === "" ? name : `${where}/${name}`;
}

/** Where a task record is: a JSONL line, or an element of a JSON list. */
type TaskSource = { file: number; location: RecordLocation | null; index: number };

/** Above this many judged trajectories a task's tree is not built on request (`sealign tree` is for that). */
export const MAX_BUILT_TREE_TRAJECTORIES = 2000;

/** Where a record can be read back: file index into `Catalog.files` plus its line location. */
interface Located extends RecordLocation {
  file: number;
}

export interface CatalogOptions {
  /** Go on past invalid records, listing them (file, line, why) instead of stopping. */
  skipInvalid?: boolean;
  /** Called now and then while indexing, with the records indexed so far. */
  onProgress?: (done: { files: number; records: number; file: string }) => void;
}

export interface SkippedRecord {
  file: string;
  line: number;
  message: string;
}

/** A tree's location: a whole JSON file, or one line of a JSONL file. */
type TreeSource = { file: number; location: RecordLocation | null };

/**
 * The viewer's index over a run's files. It holds one small summary per trajectory and pair and
 * where each record is on disk; records themselves are read back only when they are opened, so a
 * run of 10,000 long trajectories costs a few megabytes, not gigabytes.
 */
export class Catalog {
  readonly files: ViewFile[] = [];
  readonly ignored: IgnoredFile[] = [];
  readonly skipped: SkippedRecord[] = [];
  readonly trajectories: TrajectorySummary[] = [];
  readonly pairs: PairSummary[] = [];
  /** Same id seen again in another file: the validated copy (resolved known) is kept. */
  duplicates = 0;
  private readonly trajectoryAt: Located[] = [];
  private readonly pairAt: Located[] = [];
  private readonly trajectoryIndex = new Map<string, number>();
  private readonly pairIndex = new Map<string, number>();
  private readonly treeSources = new Map<string, TreeSource>();
  private readonly taskSources = new Map<string, TaskSource>();
  private readonly reportFiles: number[] = [];
  private readonly chartFiles: number[] = [];

  /** Index everything under the given files and folders. */
  static async open(paths: readonly string[], options: CatalogOptions = {}): Promise<Catalog> {
    const catalog = new Catalog();
    const { files, ignored } = await discoverFiles(paths);
    catalog.ignored.push(...ignored);
    for (const file of files) await catalog.add(file, options);
    return catalog;
  }

  private async add(file: ViewFile, options: CatalogOptions): Promise<void> {
    const index = this.files.length;
    this.files.push(file);
    if (file.kind === "report") {
      this.reportFiles.push(index);
      return;
    }
    if (file.kind === "chart") {
      this.chartFiles.push(index);
      return;
    }
    // A model folder's files (config.json, tokenizer_config.json, ...) are listed, not read.
    if (file.kind === "model") return;
    if (file.kind === "tasks") {
      await this.addTasks(file, index);
      return;
    }
    if (file.format === "json" && file.taskId !== undefined) {
      // Checked when opened (normalizeTree names the file and field of anything wrong).
      this.treeSources.set(file.taskId, { file: index, location: null });
      return;
    }
    if (file.format === "json") {
      const tree = normalizeTree(JSON.parse(await readFile(file.path, "utf8")), { file: file.path });
      this.treeSources.set(tree.task_id, { file: index, location: null });
      return;
    }
    let records = 0;
    for await (const record of indexJsonl(file.path)) {
      const where = { file: file.path, line: record.line };
      const location: Located = {
        file: index,
        line: record.line,
        offset: record.offset,
        length: record.length,
      };
      try {
        const value = parseJsonLine(file.path, record.text, record.line, record.terminated);
        if (file.kind === "trajectories") this.addTrajectory(parseTrajectory(value, where), location);
        else if (file.kind === "pairs") this.addPair(parsePair(value, where), location);
        else this.treeSources.set(normalizeTree(value, where).task_id, { file: index, location });
      } catch (error) {
        if (!(options.skipInvalid && error instanceof InputError)) throw error;
        this.skipped.push({ ...where, message: error.message.replace(`${file.path}:${record.line}: `, "") });
      }
      records++;
      if (options.onProgress && records % 1000 === 0) {
        options.onProgress({ files: index + 1, records, file: file.path });
      }
    }
  }

  /** Index a task file's records by instance id (for the gold patch beside the model's). */
  private async addTasks(file: ViewFile, index: number): Promise<void> {
    const add = (value: unknown, location: RecordLocation | null, i: number) => {
      const id = (value as { instance_id?: unknown } | null)?.instance_id;
      if (typeof id === "string" && !this.taskSources.has(id))
        this.taskSources.set(id, { file: index, location, index: i });
    };
    if (file.format === "json") {
      const list = JSON.parse(await readFile(file.path, "utf8")) as unknown[];
      for (const [i, value] of list.entries()) add(value, null, i);
      return;
    }
    for await (const record of indexJsonl(file.path)) {
      const value = parseJsonLine(file.path, record.text, record.line, record.terminated);
      add(value, { line: record.line, offset: record.offset, length: record.length }, 0);
    }
  }

  /** Task ids found in task files. */
  get taskIds(): string[] {
    return [...this.taskSources.keys()];
  }

  /** The task's gold patch from a task file, or null when no task file has one for it. */
  async goldPatch(taskId: string): Promise<string | null> {
    const source = this.taskSources.get(taskId);
    if (!source) return null;
    const path = this.files[source.file]!.path;
    const record =
      source.location === null
        ? (JSON.parse(await readFile(path, "utf8")) as unknown[])[source.index]
        : await readRecordAt(path, source.location);
    const patch = (record as { patch?: unknown } | null)?.patch;
    return typeof patch === "string" && patch.trim() !== "" ? patch : null;
  }

  /** The file a trajectory was read from (its test log path is relative to that file's folder). */
  trajectoryFile(id: string): string | undefined {
    const index = this.trajectoryIndex.get(id);
    return index === undefined ? undefined : this.files[this.trajectoryAt[index]!.file]!.path;
  }

  private addTrajectory(trajectory: Trajectory, location: Located): void {
    const summary = summarizeTrajectory(trajectory, runLabel(this.files[location.file]!.path));
    const existing = this.trajectoryIndex.get(trajectory.id);
    if (existing === undefined) {
      this.trajectoryIndex.set(trajectory.id, this.trajectories.length);
      this.trajectories.push(summary);
      this.trajectoryAt.push(location);
      return;
    }
    // collect's run file and validate's output hold the same ids: prefer the judged copy.
    this.duplicates++;
    if (this.trajectories[existing]!.resolved === null && summary.resolved !== null) {
      // The run keeps the name it was first seen under (collect's folder, not validate's).
      if (trajectory.provenance.run_id === undefined) summary.run = this.trajectories[existing]!.run;
      this.trajectories[existing] = summary;
      this.trajectoryAt[existing] = location;
    }
  }

  private addPair(pair: Pair, location: Located): void {
    if (this.pairIndex.has(pair.id)) {
      this.duplicates++;
      return;
    }
    this.pairIndex.set(pair.id, this.pairs.length);
    this.pairs.push(summarizePair(pair));
    this.pairAt.push(location);
  }

  /** Task ids that have a tree. */
  get treeTasks(): string[] {
    return [...this.treeSources.keys()].sort();
  }

  /** The report files (eval, validate summaries, manifests) found, by index into `files`. */
  get reports(): { index: number; path: string }[] {
    return this.reportFiles.map((index) => ({ index, path: this.files[index]!.path }));
  }

  trajectorySummary(id: string): TrajectorySummary | undefined {
    const index = this.trajectoryIndex.get(id);
    return index === undefined ? undefined : this.trajectories[index];
  }

  /** Read one trajectory back from disk (validated again: the file may have changed). */
  async trajectory(id: string): Promise<Trajectory | undefined> {
    const index = this.trajectoryIndex.get(id);
    if (index === undefined) return undefined;
    const at = this.trajectoryAt[index]!;
    const path = this.files[at.file]!.path;
    return parseTrajectory(await readRecordAt(path, at), { file: path, line: at.line });
  }

  async pair(id: string): Promise<Pair | undefined> {
    const index = this.pairIndex.get(id);
    if (index === undefined) return undefined;
    const at = this.pairAt[index]!;
    const path = this.files[at.file]!.path;
    return parsePair(await readRecordAt(path, at), { file: path, line: at.line });
  }

  /** Recently opened trees: clicking through a tree's nodes reads its file once. */
  private readonly treeCache = new Map<string, ViewTree>();
  private readonly builtPairs = new Map<string, Pair[]>();
  private static readonly TREE_CACHE_SIZE = 8;

  async tree(taskId: string): Promise<ViewTree | undefined> {
    const cached = this.treeCache.get(taskId);
    if (cached) {
      this.treeCache.delete(taskId);
      this.treeCache.set(taskId, cached);
      return cached;
    }
    const tree = (await this.readTree(taskId)) ?? (await this.buildTree(taskId));
    if (tree) {
      this.treeCache.set(taskId, tree);
      if (this.treeCache.size > Catalog.TREE_CACHE_SIZE) {
        this.treeCache.delete(this.treeCache.keys().next().value as string);
      }
    }
    return tree;
  }

  /**
   * A task without a tree file gets its tree built on request by the tree stage's own library
   * (`analyseTask`, what `sealign tree` and `sealign pairs` run per task, default options), with
   * its critical pairs. Its judged trajectories are read back from disk for it.
   */
  private async buildTree(taskId: string): Promise<ViewTree | undefined> {
    const ids = this.trajectories.filter((t) => t.task_id === taskId && t.resolved !== null).map((t) => t.id);
    if (ids.length === 0) return undefined;
    if (ids.length > MAX_BUILT_TREE_TRAJECTORIES) {
      throw new InputError(
        `task ${taskId} has ${ids.length} judged trajectories, too many to build its tree here: run sealign tree`,
      );
    }
    const trajectories: Trajectory[] = [];
    for (const id of ids) trajectories.push((await this.trajectory(id))!);
    const analysis = analyseTask(taskId, trajectories, {
      treeFile: true,
      provenance: { tool: "sealign view", sealign_version: SEALIGN_VERSION },
    });
    if (!analysis.treeFile) return undefined;
    this.builtPairs.set(taskId, analysis.pairs);
    const tree = normalizeTree(analysis.treeFile, { file: `(tree of ${taskId} built by sealign view)` });
    tree.info["built_by_view"] = true;
    return tree;
  }

  /** Pairs of a tree built on request (see `buildTree`), as summaries; undefined when none was built. */
  builtPairSummaries(taskId: string): PairSummary[] | undefined {
    return this.builtPairs.get(taskId)?.map(summarizePair);
  }

  /** A pair from the files, or from a tree built on request. */
  async anyPair(id: string): Promise<Pair | undefined> {
    const pair = await this.pair(id);
    if (pair) return pair;
    for (const pairs of this.builtPairs.values()) {
      const found = pairs.find((p) => p.id === id);
      if (found) return found;
    }
    return undefined;
  }

  private async readTree(taskId: string): Promise<ViewTree | undefined> {
    const source = this.treeSources.get(taskId);
    if (source === undefined) return undefined;
    const path = this.files[source.file]!.path;
    if (source.location === null)
      return normalizeTree(JSON.parse(await readFile(path, "utf8")), { file: path });
    return normalizeTree(await readRecordAt(path, source.location), {
      file: path,
      line: source.location.line,
    });
  }

  /** SVG charts found (`sealign eval` writes OUT/rates.svg and OUT/turns.svg). */
  get charts(): { index: number; path: string }[] {
    return this.chartFiles.map((index) => ({ index, path: this.files[index]!.path }));
  }

  async chart(index: number): Promise<Buffer | undefined> {
    if (!this.chartFiles.includes(index)) return undefined;
    return readFile(this.files[index]!.path);
  }

  async report(index: number): Promise<unknown> {
    if (!this.reportFiles.includes(index)) return undefined;
    return JSON.parse(await readFile(this.files[index]!.path, "utf8"));
  }
}
