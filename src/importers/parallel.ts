import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import type { JsonlWriter } from "../io/atomic.js";
import { readLines } from "../io/lines.js";
import { detectImporter, type ImportFileResult } from "./index.js";
import type { ImportFormat } from "./types.js";
import type { BatchRequest, BatchResponse } from "./worker.js";

/** Lines are handed to workers in batches of about this many characters. */
const BATCH_CHARS = 4 * 1024 * 1024;

/** Default worker count for large JSONL imports: one per core, at most 8. */
export function defaultImportWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** Worker threads need the compiled worker module (dist/); running from TypeScript sources has none. */
export function parallelImportAvailable(): boolean {
  return import.meta.url.endsWith(".js");
}

/**
 * Import one JSONL file with `workers` threads: the main thread reads lines and writes output,
 * workers parse, convert, validate and serialise batches. Output keeps the input order, and is
 * byte-identical to the single-threaded path.
 */
export async function importJsonlParallel(
  file: string,
  options: { from?: ImportFormat; skipInvalid?: boolean },
  result: ImportFileResult,
  writer: JsonlWriter,
  workers: number,
): Promise<void> {
  if (!parallelImportAvailable()) {
    throw new Error(
      "parallel import needs the compiled package (dist/); use workers: 1 when running from sources",
    );
  }
  const pool = Array.from({ length: workers }, () => new Worker(new URL("./worker.js", import.meta.url)));
  const idle = [...pool];
  const waiting: ((worker: Worker) => void)[] = [];
  const pending = new Map<number, BatchResponse>();
  let nextToWrite = 0;
  let seq = 0;
  let failure: Error | null = null;
  let format: ImportFormat | null = options.from ?? null;
  const inFlight = new Set<Promise<void>>();
  let writeChain: Promise<void> = Promise.resolve();

  const acquire = () =>
    new Promise<Worker>((resolve) => {
      const worker = idle.pop();
      if (worker) resolve(worker);
      else waiting.push(resolve);
    });
  const release = (worker: Worker) => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };

  const flushInOrder = () => {
    writeChain = writeChain.then(async () => {
      while (pending.has(nextToWrite)) {
        const response = pending.get(nextToWrite)!;
        pending.delete(nextToWrite);
        nextToWrite++;
        if (failure) continue;
        if (response.error) {
          failure = response.error.isInputError
            ? new InputError(response.error.message)
            : new Error(response.error.message);
          continue;
        }
        if (response.jsonl) await writer.writeSerialized(response.jsonl, response.trajectories);
        result.trajectories += response.trajectories;
        for (const [note, n] of response.notes) result.notes.set(note, (result.notes.get(note) ?? 0) + n);
        for (const s of response.skipped) result.skipped.reasons.push({ file, ...s });
      }
    });
    return writeChain;
  };

  const dispatch = async (lines: BatchRequest["lines"]) => {
    const worker = await acquire();
    const request: BatchRequest = {
      seq: seq++,
      file,
      format: format!,
      skipInvalid: !!options.skipInvalid,
      lines,
    };
    const job = new Promise<void>((resolve, reject) => {
      const onMessage = (response: BatchResponse) => {
        worker.off("error", onError);
        release(worker);
        pending.set(response.seq, response);
        flushInOrder().then(resolve, reject);
      };
      const onError = (error: Error) => {
        worker.off("message", onMessage);
        reject(error);
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
      worker.postMessage(request);
    });
    inFlight.add(job);
    job.finally(() => inFlight.delete(job)).catch(() => {});
  };

  try {
    let batch: BatchRequest["lines"] = [];
    let chars = 0;
    for await (const line of readLines(file)) {
      if (failure) break;
      if (/^\s*$/.test(line.text)) continue;
      if (format === null) {
        // Detect on the first record, as the single-threaded path does.
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch (error) {
          if (!options.skipInvalid) {
            throw new InputError(`malformed JSON: ${(error as Error).message}`, { file, line: line.line });
          }
          result.skipped.reasons.push({
            file,
            line: line.line,
            message: `malformed JSON: ${(error as Error).message}`,
          });
          continue;
        }
        const importer = detectImporter(value);
        if (!importer) {
          throw new InputError(
            "unknown trajectory format: the record matches no importer; name one with --from",
            {
              file,
              line: line.line,
            },
          );
        }
        format = importer.format;
        result.format = format;
      }
      batch.push(line);
      chars += line.text.length;
      if (chars >= BATCH_CHARS) {
        await dispatch(batch);
        batch = [];
        chars = 0;
      }
    }
    if (batch.length > 0 && !failure) await dispatch(batch);
    await Promise.all(inFlight);
    await writeChain;
    if (failure) throw failure;
    result.format = format;
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}
