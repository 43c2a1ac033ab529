import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import { openDecompressed } from "../io/lines.js";
import { SkipLog } from "../io/skip-log.js";
import {
  type EngineOptions,
  type IndexJob,
  type IndexSummary,
  runIndex,
  runSegment,
  runTaskJob,
  type SegmentSummary,
  type Skipped,
  type TaskJobSummary,
  type TaskResult,
} from "./engine.js";
import { lineNumbersAt } from "./lines.js";
import type { WorkerJob, WorkerMessage } from "./worker.js";

/**
 * A corpus run: every task of the input files through engine.ts, in parallel worker threads,
 * results handed to a sink in input order (deterministic output whatever the thread count).
 *
 * Input sorted by task (every task's records contiguous, as `sealign collect` and importers
 * write them) streams: segments of the file go to workers, each owning the tasks that start in
 * it, so memory holds only the tasks in flight. Unsorted input is grouped without holding the
 * corpus: an index pass records each record's task id, offset and length, then every task is
 * read back by offset. `order: "auto"` tries the sorted way and switches when a task comes
 * back after another (the sink is reset and the run starts over). Compressed files (.gz,
 * .zst) are first decompressed to a temporary file, since workers read by offset.
 */

export interface CorpusOptions extends EngineOptions {
  /** Worker threads (0: run in this thread). Default: the machine's parallelism. */
  workers?: number;
  order?: "auto" | "sorted" | "unsorted";
  /** Bytes per segment job (default: about 1/8 of the input per worker, 4 to 32 MiB). */
  segmentBytes?: number;
  /** Where decompressed copies of compressed inputs go (default: the OS temp folder). */
  tempDir?: string;
  /** Called after each job with bytes read so far. */
  onProgress?: (progress: { bytes: number; totalBytes: number; tasks: number }) => void;
}

/** Where results go. `reset` drops everything received so far (auto order switching). */
export interface TaskSink {
  task(result: TaskResult): void | Promise<void>;
  reset(): void | Promise<void>;
}

export interface CorpusSummary {
  tasks: number;
  order: "sorted" | "unsorted";
  bytes: number;
  skipped: SkipLog;
  workers: number;
}

/** Thrown inside a run when sorted order turns out not to hold. */
export class UnsortedInputError extends InputError {
  constructor(taskId: string) {
    super(
      `input is not sorted by task: task ${taskId} appears again after other tasks (use --order unsorted or auto)`,
    );
  }
}

type Listener = (message: WorkerMessage) => void;

/** A fixed set of worker threads taking jobs one at a time each. */
class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: { job: WorkerJob; listener: Listener }[] = [];
  private readonly listeners = new Map<number, Listener>();
  private readonly all: Worker[] = [];
  private nextId = 0;
  private failure: Error | null = null;

  constructor(size: number, options: EngineOptions) {
    const url = new URL("./worker.js", import.meta.url);
    if (!existsSync(url))
      throw new Error(`worker script ${url.pathname} not found: build with \`npx tsc -p .\``);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { workerData: options });
      worker.on("message", (message: WorkerMessage) => {
        const listener = this.listeners.get(message.id);
        listener?.(message);
        if (message.type !== "task") {
          this.listeners.delete(message.id);
          this.release(worker);
        }
      });
      worker.on("error", (error) => {
        this.failure = error;
        for (const listener of this.listeners.values())
          listener({
            id: -1,
            type: "error",
            error: { input: false, message: error.message, stack: error.stack },
          });
      });
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(job: WorkerJob, listener: Listener): void {
    if (this.failure) throw this.failure;
    this.waiting.push({ job, listener });
    this.dispatch();
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { job, listener } = this.waiting.shift() as { job: WorkerJob; listener: Listener };
      const id = this.nextId++;
      this.listeners.set(id, listener);
      worker.postMessage({ id, job });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

function errorFrom(error: Extract<WorkerMessage, { type: "error" }>["error"]): Error {
  if (error.input) {
    const e = new InputError("");
    Object.assign(e as unknown as Record<string, unknown>, {
      message: error.message,
      file: error.file,
      line: error.line,
      field: error.field,
    });
    return e;
  }
  const e = new Error(error.message);
  if (error.stack) e.stack = error.stack;
  return e;
}

/** Runs jobs in order on a pool or in this thread; results come out in job order. */
class Runner {
  private readonly pool: WorkerPool | null;

  constructor(
    readonly workers: number,
    readonly options: EngineOptions,
  ) {
    this.pool = workers > 0 ? new WorkerPool(workers, options) : null;
  }

  /** Start a job; `onTask` gets streamed task results, the promise the summary. */
  start<S>(job: WorkerJob, onTask: (result: TaskResult) => void): Promise<S> {
    if (!this.pool) {
      // In-process: run on the next turn so that callers see the same ordering as with threads.
      return Promise.resolve().then(() => {
        if (job.kind === "segment") return runSegment(job, this.options, onTask) as S;
        if (job.kind === "index") return runIndex(job, this.options) as S;
        return runTaskJob(job, this.options) as S;
      });
    }
    return new Promise<S>((resolve, reject) => {
      (this.pool as WorkerPool).run(job, (message) => {
        if (message.type === "task") onTask(message.result);
        else if (message.type === "done") resolve(message.summary as S);
        else reject(errorFrom(message.error));
      });
    });
  }

  /**
   * Run jobs keeping at most `window` started ahead of the one being consumed, and hand each
   * job's streamed results and summary to `consume` in job order.
   */
  async ordered<S>(
    jobs: WorkerJob[],
    consume: (results: TaskResult[], summary: S, index: number) => Promise<boolean | undefined>,
  ): Promise<void> {
    const window = Math.max(2, this.workers * 2);
    const started: { results: TaskResult[]; done: Promise<S> }[] = [];
    const launch = (upTo: number) => {
      while (started.length < Math.min(upTo, jobs.length)) {
        const results: TaskResult[] = [];
        const done = this.start<S>(jobs[started.length] as WorkerJob, (r) => results.push(r));
        done.catch(() => undefined); // surfaced when awaited in order
        started.push({ results, done });
      }
    };
    for (let i = 0; i < jobs.length; i++) {
      launch(i + window);
      const entry = started[i] as { results: TaskResult[]; done: Promise<S> };
      const summary = await entry.done;
      const stop = await consume(entry.results, summary, i);
      entry.results.length = 0;
      if (stop) {
        // Let jobs already started finish quietly before the pool is closed.
        await Promise.allSettled(started.map((s) => s.done));
        return;
      }
    }
  }

  close(): Promise<void> {
    return this.pool ? this.pool.close() : Promise.resolve();
  }
}

function segmentJobs(files: string[], size: number, kind: "segment" | "index"): WorkerJob[] {
  const jobs: WorkerJob[] = [];
  for (const file of files) {
    const total = statSync(file).size;
    for (let start = 0; start < total || (start === 0 && total === 0); start += size) {
      jobs.push({ kind, file, start, end: Math.min(total, start + size) });
      if (total === 0) break;
    }
  }
  return jobs;
}

function addSkipped(log: SkipLog, skipped: Skipped[]): void {
  const byFile = new Map<string, Skipped[]>();
  for (const s of skipped) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  for (const [file, list] of byFile) {
    const lines = lineNumbersAt(
      file,
      list.map((s) => s.offset),
    );
    for (const s of list) log.reasons.push({ file, line: lines.get(s.offset) ?? 0, message: s.message });
  }
}

/** Decompress .gz / .zst inputs to temporary plain files; returns the paths to read. */
async function plainInputs(
  files: string[],
  tempDir: string | undefined,
): Promise<{ paths: string[]; cleanup: () => void }> {
  let dir: string | null = null;
  const paths: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) throw new InputError("no such file", { file });
    if (!/\.(gz|zst|zstd)$/.test(file)) {
      paths.push(file);
      continue;
    }
    dir ??= mkdtempSync(join(tempDir ?? tmpdir(), "sealign-pairs-"));
    const plain = join(dir, `${paths.length}.jsonl`);
    try {
      await pipeline(openDecompressed(file), createWriteStream(plain));
    } catch (error) {
      throw new InputError(`cannot decompress: ${(error as Error).message}`, { file });
    }
    paths.push(plain);
  }
  return { paths, cleanup: () => dir && rmSync(dir, { recursive: true, force: true }) };
}

/** Run a corpus through trees and pairs; results reach `sink` in input order. */
export async function runCorpus(
  files: string[],
  options: CorpusOptions,
  sink: TaskSink,
): Promise<CorpusSummary> {
  const { paths, cleanup } = await plainInputs(files, options.tempDir);
  const workers = options.workers ?? Math.max(1, availableParallelism());
  const engine: EngineOptions = {
    analyse: options.analyse,
    skipInvalid: options.skipInvalid,
    validation: options.validation ?? "full",
    output: options.output,
  };
  const totalBytes = paths.reduce((n, p) => n + statSync(p).size, 0);
  const segmentBytes =
    options.segmentBytes ??
    Math.min(32 << 20, Math.max(4 << 20, Math.ceil(totalBytes / Math.max(1, workers * 8))));
  const runner = new Runner(workers, engine);
  // Decompressed copies are read in place of their originals: report the originals' names.
  const originals = new Map(paths.map((p, i) => [p, files[i] as string]));
  const rename = (summary: Omit<CorpusSummary, "workers">): CorpusSummary => {
    for (const reason of summary.skipped.reasons) reason.file = originals.get(reason.file) ?? reason.file;
    return { ...summary, workers };
  };
  try {
    const order = options.order ?? "auto";
    if (order !== "unsorted") {
      const sorted = await runSorted(runner, paths, segmentBytes, totalBytes, options, sink);
      if (sorted) return rename(sorted);
      await sink.reset();
    }
    return rename(await runUnsorted(runner, paths, segmentBytes, totalBytes, options, sink));
  } catch (error) {
    const original = error instanceof InputError && error.file ? originals.get(error.file) : undefined;
    if (error instanceof InputError && error.file && original && original !== error.file) {
      Object.assign(error as unknown as Record<string, unknown>, {
        message: error.message.replace(error.file, original),
        file: original,
      });
    }
    throw error;
  } finally {
    await runner.close();
    cleanup();
  }
}

async function runSorted(
  runner: Runner,
  paths: string[],
  segmentBytes: number,
  totalBytes: number,
  options: CorpusOptions,
  sink: TaskSink,
): Promise<Omit<CorpusSummary, "workers"> | null> {
  const seen = new Set<string>();
  const skipped: Skipped[] = [];
  let bytes = 0;
  let unsorted: string | null = null;
  await runner.ordered<SegmentSummary>(
    segmentJobs(paths, segmentBytes, "segment"),
    async (results, summary) => {
      unsorted = summary.unsorted ?? summary.tasks.find((t) => seen.has(t)) ?? null;
      if (unsorted !== null) return true;
      for (const t of summary.tasks) seen.add(t);
      for (const result of results) await sink.task(result);
      skipped.push(...summary.skipped);
      bytes += summary.bytes;
      options.onProgress?.({ bytes, totalBytes, tasks: seen.size });
      return false;
    },
  );
  if (unsorted !== null) {
    if (options.order === "sorted") throw new UnsortedInputError(unsorted);
    return null;
  }
  const log = new SkipLog();
  addSkipped(log, skipped);
  return { tasks: seen.size, order: "sorted", bytes, skipped: log };
}

async function runUnsorted(
  runner: Runner,
  paths: string[],
  segmentBytes: number,
  totalBytes: number,
  options: CorpusOptions,
  sink: TaskSink,
): Promise<Omit<CorpusSummary, "workers">> {
  // Pass 1: where each task's records are. Only ids and offsets are held, never records.
  const tasks = new Map<string, { file: string; offset: number; length: number }[]>();
  const skipped: Skipped[] = [];
  let bytes = 0;
  const indexJobs = segmentJobs(paths, segmentBytes, "index");
  await runner.ordered<IndexSummary>(indexJobs, async (_results, summary, index) => {
    const { file } = indexJobs[index] as IndexJob;
    for (const [taskId, offset, length] of summary.entries) {
      let parts = tasks.get(taskId);
      if (!parts) {
        parts = [];
        tasks.set(taskId, parts);
      }
      parts.push({ file, offset, length });
    }
    skipped.push(...summary.skipped);
    bytes += summary.bytes;
    options.onProgress?.({ bytes: bytes / 2, totalBytes, tasks: 0 });
    return false;
  });
  // Pass 2: every task read back by offset, in order of first appearance.
  const jobs: WorkerJob[] = [...tasks].map(([taskId, parts]) => ({ kind: "task", taskId, parts }));
  let done = 0;
  await runner.ordered<TaskJobSummary>(jobs, async (_results, summary) => {
    await sink.task(summary.result);
    skipped.push(...summary.skipped);
    done++;
    options.onProgress?.({
      bytes: totalBytes / 2 + (totalBytes / 2) * (done / jobs.length),
      totalBytes,
      tasks: done,
    });
    return false;
  });
  const log = new SkipLog();
  addSkipped(log, skipped);
  return { tasks: tasks.size, order: "unsorted", bytes, skipped: log };
}
