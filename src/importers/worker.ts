/**
 * Worker thread of the parallel importer: converts batches of JSONL lines (parse, convert,
 * validate, serialise) so that the main thread only reads and writes. See parallel.ts.
 */
import { parentPort } from "node:worker_threads";
import { InputError } from "../errors.js";
import { importerFor } from "./index.js";
import type { ImportFormat } from "./types.js";

export interface BatchRequest {
  seq: number;
  file: string;
  format: ImportFormat;
  skipInvalid: boolean;
  lines: { text: string; line: number; terminated: boolean }[];
}

export interface BatchResponse {
  seq: number;
  /** Converted trajectories as JSONL text. */
  jsonl: string;
  trajectories: number;
  notes: [string, number][];
  skipped: { line: number; message: string }[];
  /** A bad record when not skipping: the whole import stops with it. */
  error?: { message: string; isInputError: boolean };
}

function convertBatch(request: BatchRequest): BatchResponse {
  const importer = importerFor(request.format);
  const out: string[] = [];
  const notes = new Map<string, number>();
  const skipped: { line: number; message: string }[] = [];
  for (const { text, line, terminated } of request.lines) {
    try {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const why = terminated ? "malformed JSON" : "truncated last line (no newline, not valid JSON)";
        throw new InputError(`${why}: ${(error as Error).message}`, { file: request.file, line });
      }
      for (const trajectory of importer.convert({ value, line, raw: text }, { file: request.file, line })) {
        out.push(JSON.stringify(trajectory));
        for (const note of trajectory.import_notes) notes.set(note, (notes.get(note) ?? 0) + 1);
      }
    } catch (error) {
      if (request.skipInvalid && error instanceof InputError) {
        skipped.push({ line, message: error.message.replace(`${request.file}:${line}: `, "") });
        continue;
      }
      return {
        seq: request.seq,
        jsonl: "",
        trajectories: 0,
        notes: [],
        skipped: [],
        error: { message: (error as Error).message, isInputError: error instanceof InputError },
      };
    }
  }
  return {
    seq: request.seq,
    jsonl: out.length ? `${out.join("\n")}\n` : "",
    trajectories: out.length,
    notes: [...notes],
    skipped,
  };
}

parentPort?.on("message", (request: BatchRequest) => {
  parentPort!.postMessage(convertBatch(request));
});
