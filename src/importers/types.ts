import type { SourceRecord } from "../io/records.js";
import type { Trajectory } from "../schema/trajectory.js";

/** The trajectory formats `sealign import` reads. */
export const IMPORT_FORMATS = [
  "openhands",
  "swe-agent",
  "mini-swe-agent",
  "openhands-llm-completions",
  "message-rows",
  "swebench-predictions",
  "sealign",
] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Where a record came from, for provenance and error messages. */
export interface ImportContext {
  file: string;
  /** JSONL line, Parquet row, or 1 for whole-document formats. */
  line: number;
  /** Key of the record in a JSON dict keyed by id, when it came from one. */
  key?: string;
}

/**
 * One importer per foreign format. `convert` maps one source record to trajectories (usually
 * one), keeping every action, argument, thought and observation, and listing in
 * `import_notes` whatever it could not map. It throws InputError naming the field on records it
 * cannot read at all.
 */
export interface Importer {
  format: ImportFormat;
  /** True when a parsed record looks like this format (used for auto-detection). */
  detect(value: unknown): boolean;
  convert(record: SourceRecord, context: ImportContext): Trajectory[];
}

/** A plain JSON object, or null. */
export function asObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Tool-call arguments as the string the model produced (objects are serialised). */
export function argumentsString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "{}";
  return JSON.stringify(value);
}
