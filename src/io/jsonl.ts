import { InputError } from "../errors.js";
import { readLines } from "./lines.js";
import type { SkipLog } from "./skip-log.js";

/** A parsed JSONL record with the line it came from. */
export interface JsonlRecord {
  value: unknown;
  line: number;
  /** The line's text, as read (importers hash it without serialising the value again). */
  raw: string;
}

export interface ReadJsonlOptions {
  /**
   * Ignore a last line that has no newline and does not parse: what a process killed
   * mid-append leaves behind. Used when resuming a run; off by default so that a truncated
   * input file is reported, not silently shortened.
   */
  tolerateTruncatedTail?: boolean;
  /** Pass over malformed lines, counted in `skipped`, instead of throwing at the first. */
  skipInvalid?: boolean;
  /** Where `skipInvalid` counts the lines it passed over. */
  skipped?: SkipLog;
}

/** Parse one JSONL line; a malformed (or cut-off last) line throws an InputError naming file and line. */
export function parseJsonLine(path: string, text: string, line: number, terminated: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const why = terminated ? "malformed JSON" : "truncated last line (no newline, not valid JSON)";
    throw new InputError(`${why}: ${(error as Error).message}`, { file: path, line });
  }
}

/**
 * Stream the JSON values of a JSONL file (plain, .gz, .zst); blank lines are skipped. The one
 * JSONL loop: `readRecords` (and through it every typed reader) reads JSONL with it.
 */
export async function* readJsonl(path: string, options: ReadJsonlOptions = {}): AsyncGenerator<JsonlRecord> {
  for await (const { text, line, terminated } of readLines(path)) {
    if (/^\s*$/.test(text)) continue;
    let value: unknown;
    try {
      value = parseJsonLine(path, text, line, terminated);
    } catch (error) {
      if (!terminated && options.tolerateTruncatedTail) return;
      if (!(options.skipInvalid && error instanceof InputError)) throw error;
      options.skipped?.add(path, line, error);
      continue;
    }
    yield { value, line, raw: text };
  }
}
