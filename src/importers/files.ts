import { readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InputError } from "../errors.js";
import { readJsonDocument } from "../io/records.js";
import { completionTime, isCompletionLog } from "./llm-completions.js";

/** File names `sealign import` reads from a folder (compressed JSONL too). */
const TRAJECTORY_FILE = /\.(jsonl|ndjson|json|traj|parquet)(\.(gz|zst|zstd))?$/;

/** The files an import reads, after folders are expanded. */
export interface ImportInputs {
  files: string[];
  /** Files found under a folder and deliberately not read, with why. */
  leftOut: { file: string; reason: string }[];
}

/**
 * Expand folder arguments into the trajectory files under them (recursively, sorted; symbolic
 * links are not followed, so a link loop or a link out of the folder is not walked). Files named
 * on the command line are kept as they are. Under a folder, OpenHands `llm_completions` logs
 * are one file per LLM call; only the last call of each folder (episode) is kept, since its
 * prompt holds the episode's earlier turns. A folder with no trajectory file is bad input.
 */
export async function expandImportInputs(paths: readonly string[]): Promise<ImportInputs> {
  const files: string[] = [];
  const leftOut: ImportInputs["leftOut"] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch {
      files.push(path); // reported by the input check with its reason
      continue;
    }
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const found = (await walk(path)).sort();
    if (found.length === 0)
      throw new InputError("folder holds no trajectory files (.jsonl, .json, .traj, .parquet)", {
        file: path,
      });
    const kept = await lastCompletionPerFolder(found, leftOut);
    files.push(...kept);
  }
  return { files, leftOut };
}

async function walk(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile() && TRAJECTORY_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** Drop every completion log but the latest of its folder (`leftOut` says which and why). */
async function lastCompletionPerFolder(files: string[], leftOut: ImportInputs["leftOut"]): Promise<string[]> {
  const latest = new Map<string, { file: string; time: number }>();
  const completions = new Set<string>();
  for (const file of files) {
    if (!file.endsWith(".json")) continue;
    const document = await readJsonDocument(file);
    if (!isCompletionLog(document)) continue;
    completions.add(file);
    const folder = dirname(file);
    const time = completionTime(document);
    const best = latest.get(folder);
    if (!best || time >= best.time) latest.set(folder, { file, time });
  }
  const keep = new Set([...latest.values()].map((v) => v.file));
  return files.filter((file) => {
    if (!completions.has(file) || keep.has(file)) return true;
    leftOut.push({
      file,
      reason: "an earlier llm_completions log of the same episode (the folder's last one holds its turns)",
    });
    return false;
  });
}
