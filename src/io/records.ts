import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { readJsonl } from "./jsonl.js";
import { readParquetRows } from "./parquet.js";
import type { SkipLog } from "./skip-log.js";

/** One record of a data file and where it is: a line (JSONL), a row (Parquet) or an index (JSON). */
export interface SourceRecord {
  value: unknown;
  /** JSONL line or 1-based Parquet row / JSON list index. */
  line: number;
  /** For JSON dicts keyed by id: the key. */
  key?: string;
  /** The record's source text when it came from a JSONL line (lets importers hash it without re-serialising). */
  raw?: string;
}

export type RecordFormat = "jsonl" | "json" | "parquet";

/** The container format of a data file, by extension. */
export function recordFormatOf(path: string): RecordFormat {
  const bare = path.replace(/\.(gz|zst|zstd)$/, "");
  if (bare.endsWith(".parquet")) return "parquet";
  if (bare.endsWith(".jsonl") || bare.endsWith(".ndjson")) return "jsonl";
  if (bare.endsWith(".json") || bare.endsWith(".traj")) return "json";
  return "jsonl";
}

/** How `readRecords` and `readParsed` read a file. */
export interface ReadRecordsOptions {
  /** The container format; default: by extension (`recordFormatOf`). */
  format?: RecordFormat;
  /** Pass over malformed JSONL lines (and, in `readParsed`, records `parse` rejects), counted in `skipped`. */
  skipInvalid?: boolean;
  /** Ignore a partial last JSONL line: what a process killed mid-append leaves (resuming a run file). */
  tolerateTruncatedTail?: boolean;
  /** Where skipped records are counted (default: a fresh log nobody reads). */
  skipped?: SkipLog;
}

/**
 * Stream the records of JSONL (plain/.gz/.zst), Parquet, or JSON (a list, a dict keyed by id,
 * or a single object). JSON documents are read whole; use JSONL or Parquet for large data.
 * The one record reader under every typed one (`readParsed`, `readTrajectories`, the
 * importers, task and prediction loaders, the dataset check).
 */
export async function* readRecords(
  path: string,
  options: ReadRecordsOptions = {},
): AsyncGenerator<SourceRecord> {
  const format = options.format ?? recordFormatOf(path);
  if (format === "jsonl") {
    yield* readJsonl(path, options);
  } else if (format === "parquet") {
    for await (const { value, row } of readParquetRows(path)) yield { value, line: row };
  } else {
    const value = await readJsonDocument(path);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) yield { value: value[i], line: i + 1 };
    } else {
      yield { value, line: 1 };
    }
  }
}

/**
 * Stream the records of a file checked by `parse` (a zod schema's parser such as `parseTrajectory`
 * or `parsePair`). Without `skipInvalid` the first bad record throws its InputError (file, line,
 * field); with it, bad records are counted in `skipped` and passed over.
 */
export async function* readParsed<T>(
  path: string,
  parse: (value: unknown, where: { file: string; line: number }) => T,
  options: ReadRecordsOptions = {},
): AsyncGenerator<T> {
  for await (const { value, line } of readRecords(path, options)) {
    let parsed: T;
    try {
      parsed = parse(value, { file: path, line });
    } catch (error) {
      if (!(options.skipInvalid && error instanceof InputError)) throw error;
      options.skipped?.add(path, line, error);
      continue;
    }
    yield parsed;
  }
}

/** Parse a whole JSON document, naming the file and line of a syntax error. */
export async function readJsonDocument(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split("\n").length : undefined;
    throw new InputError(`malformed JSON: ${message}`, { file: path, line });
  }
}
