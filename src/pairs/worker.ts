import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../errors.js";
import {
  type EngineOptions,
  type IndexJob,
  runIndex,
  runSegment,
  runTaskJob,
  type SegmentJob,
  type TaskJob,
} from "./engine.js";

/**
 * Worker thread of a corpus run (run.ts): takes jobs, posts each task's result as soon as it
 * is ready and a summary when the job is done. Errors are sent back as data; the main thread
 * raises them.
 */
export type WorkerJob = SegmentJob | IndexJob | TaskJob;

export type WorkerMessage =
  | { id: number; type: "task"; result: import("./engine.js").TaskResult }
  | { id: number; type: "done"; summary: unknown }
  | {
      id: number;
      type: "error";
      error: {
        input: boolean;
        message: string;
        file?: string;
        line?: number;
        field?: string;
        stack?: string;
      };
    };

const options = workerData as EngineOptions;
const port = parentPort;
if (!port) throw new Error("pairs/worker.js runs as a worker thread");

port.on("message", ({ id, job }: { id: number; job: WorkerJob }) => {
  try {
    let summary: unknown;
    if (job.kind === "segment")
      summary = runSegment(job, options, (result) => port.postMessage({ id, type: "task", result }));
    else if (job.kind === "index") summary = runIndex(job, options);
    else summary = runTaskJob(job, options);
    port.postMessage({ id, type: "done", summary } satisfies WorkerMessage);
  } catch (error) {
    const e = error as Error;
    const input = error instanceof InputError;
    // An InputError's message already names file, line and field: send it bare, rebuild it.
    port.postMessage({
      id,
      type: "error",
      error: input
        ? { input, message: e.message, file: error.file, line: error.line, field: error.field }
        : { input, message: e.message, stack: e.stack },
    } satisfies WorkerMessage);
  }
});
