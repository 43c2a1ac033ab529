import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { PAIR_SCHEMA_VERSION } from "../schema/pair.js";
import { TASK_SCHEMA_VERSION } from "../schema/task.js";
import { TRAJECTORY_SCHEMA_VERSION } from "../schema/trajectory.js";
import { TREE_SCHEMA_VERSION } from "../tree/file.js";

/** What a file holds, told by its records' `schema_version` (or, for plain JSON, by being JSON). */
export type ViewFileKind = "trajectories" | "pairs" | "trees" | "tasks" | "model" | "report" | "chart";

export interface ViewFile {
  path: string;
  kind: ViewFileKind;
  /** JSONL (one record a line), one JSON document, or an SVG chart (`sealign eval`'s). */
  format: "jsonl" | "json" | "svg" | "other";
  /** For a one-tree JSON file recognised from its head: the task, so it need not be read now. */
  taskId?: string;
}

/** Files passed over while discovering, and why (shown on the overview page). */
export interface IgnoredFile {
  path: string;
  reason: string;
}

/** Reports (eval, validate summaries, manifests) bigger than this are listed, not loaded. */
export const MAX_REPORT_BYTES = 4 << 20;

const JSONL = /\.(jsonl|ndjson)(\.gz|\.zst|\.zstd)?$/;
const JSON_DOC = /\.json$/;
const SVG = /\.svg$/;
/** Folders never worth walking: VCS, dependencies, per-test logs. */
const SKIP_DIRS = new Set(["node_modules", ".git", "logs", ".venv", "__pycache__"]);
const MAX_DEPTH = 4;

/**
 * Files of a Hugging Face model or checkpoint folder (what `sealign train` writes and reads):
 * recognised by name, never shown as reports. `tokenizer.json` can be tens of MB.
 */
const MODEL_FILES = new Set([
  "config.json",
  "generation_config.json",
  "tokenizer_config.json",
  "tokenizer.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "adapter_config.json",
  "preprocessor_config.json",
  "chat_template.json",
  "trainer_state.json",
  "model.safetensors.index.json",
]);

/** A task record (SWE-bench instance or its inline variant): what `collect` reads. */
function isTaskRecord(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (v["schema_version"] === TASK_SCHEMA_VERSION) return true;
  return typeof v["instance_id"] === "string" && typeof v["problem_statement"] === "string";
}

function kindOfSchema(version: unknown): ViewFileKind | null {
  if (version === TRAJECTORY_SCHEMA_VERSION) return "trajectories";
  if (version === PAIR_SCHEMA_VERSION) return "pairs";
  if (version === TREE_SCHEMA_VERSION) return "trees";
  return null;
}

const TREE_HEAD = new RegExp(
  `^\\s*\\{\\s*"schema_version"\\s*:\\s*"${TREE_SCHEMA_VERSION.replace(/[./]/g, "\\$&")}"\\s*,\\s*"task_id"\\s*:\\s*("(?:\\\\.|[^"\\\\])*")`,
);

/** The task id of a tree file from its first 64 kB, or null when the head does not say. */
async function sniffTreeTaskId(path: string): Promise<string | null> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(1 << 16);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const match = TREE_HEAD.exec(buffer.toString("utf8", 0, bytesRead));
    if (!match) return null;
    const taskId: unknown = JSON.parse(match[1]!);
    return typeof taskId === "string" && taskId.length > 0 ? taskId : null;
  } finally {
    await handle.close();
  }
}

async function firstJsonlRecord(path: string): Promise<unknown> {
  for await (const { text, line } of readLines(path)) {
    if (/^\s*$/.test(text)) continue;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InputError(`malformed JSON: ${(error as Error).message}`, { file: path, line });
    }
  }
  return undefined;
}

/** Classify one file, or say why it is not one the viewer shows. */
export async function classifyFile(path: string): Promise<ViewFile | IgnoredFile> {
  const name = basename(path);
  if (JSONL.test(name)) {
    const first = await firstJsonlRecord(path);
    if (first === undefined) return { path, reason: "empty file" };
    const version = (first as { schema_version?: unknown } | null)?.schema_version;
    const kind = kindOfSchema(version);
    if (kind === null && isTaskRecord(first)) return { path, kind: "tasks", format: "jsonl" };
    if (kind === null) return { path, reason: `first record has schema_version ${JSON.stringify(version)}` };
    return { path, kind, format: "jsonl" };
  }
  if (JSON_DOC.test(name) && MODEL_FILES.has(name)) return { path, kind: "model", format: "other" };
  if (JSON_DOC.test(name)) {
    // A tree file (`sealign tree` writes schema_version, then task_id, first) is recognised from
    // its head and read only when its tree is opened: a run's trees can be hundreds of MB.
    const taskId = await sniffTreeTaskId(path);
    if (taskId !== null) return { path, kind: "trees", format: "json", taskId };
    const size = (await stat(path)).size;
    if (size > MAX_REPORT_BYTES) return { path, reason: `JSON document of ${size} bytes (too big to show)` };
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new InputError(`malformed JSON: ${(error as Error).message}`, { file: path });
    }
    if (Array.isArray(value) && value.length > 0 && value.every(isTaskRecord)) {
      return { path, kind: "tasks", format: "json" };
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { path, reason: "JSON document is not an object" };
    }
    const kind = kindOfSchema((value as { schema_version?: unknown }).schema_version);
    if (kind === "trees") return { path, kind, format: "json" };
    // Anything else in JSON (eval reports, validate summaries, manifests, the tree index) is
    // shown as it is on the overview.
    if (kind !== null) return { path, reason: `a single ${kind} record in a .json file (use JSONL)` };
    return { path, kind: "report", format: "json" };
  }
  if (SVG.test(name)) {
    const size = (await stat(path)).size;
    if (size > MAX_REPORT_BYTES) return { path, reason: `SVG of ${size} bytes (too big to show)` };
    return { path, kind: "chart", format: "svg" };
  }
  return { path, reason: "not .jsonl, .json or .svg" };
}

async function walk(dir: string, depth: number, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH && !SKIP_DIRS.has(entry.name)) await walk(path, depth + 1, found);
    } else if (
      entry.isFile() &&
      (JSONL.test(entry.name) || JSON_DOC.test(entry.name) || SVG.test(entry.name))
    ) {
      found.push(path);
    }
  }
}

/**
 * Find the files to show under the given paths. A folder is walked (4 levels deep) and every
 * .jsonl/.json in it classified by its first record's `schema_version`; files that are not
 * sealign's are listed as ignored. A file named explicitly must be one of sealign's, or this
 * throws an InputError saying what it holds.
 */
export async function discoverFiles(
  paths: readonly string[],
): Promise<{ files: ViewFile[]; ignored: IgnoredFile[] }> {
  const files: ViewFile[] = [];
  const ignored: IgnoredFile[] = [];
  const seen = new Set<string>();
  for (const given of paths) {
    const path = resolve(given);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch {
      throw new InputError("no such file or folder", { file: given });
    }
    const candidates: string[] = [];
    if (info.isDirectory()) await walk(path, 0, candidates);
    else candidates.push(path);
    for (const candidate of candidates) {
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      let result: ViewFile | IgnoredFile;
      try {
        result = await classifyFile(candidate);
      } catch (error) {
        // Inside a folder an unreadable stranger is passed over (and listed); named files must be good.
        if (!(error instanceof InputError) || !info.isDirectory()) throw error;
        result = { path: candidate, reason: error.message };
      }
      if ("kind" in result) files.push(result);
      else if (info.isDirectory()) ignored.push(result);
      else throw new InputError(`not a file sealign view can show: ${result.reason}`, { file: given });
    }
  }
  return { files, ignored };
}
