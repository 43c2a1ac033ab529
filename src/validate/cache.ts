import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { Task } from "../schema/task.js";
import { SEALIGN_VERSION } from "../version.js";
import { normalisePatch } from "./normalise.js";
import type { ValidationReport } from "./validate-one.js";

/** Bump when a change to validation could change a verdict: old entries are then ignored. */
export const CACHE_FORMAT = 3;

/** The default cache folder: $SEALIGN_CACHE_DIR, else $XDG_CACHE_HOME/sealign/validate, else ~/.cache. */
export function defaultCacheDir(): string {
  if (process.env.SEALIGN_CACHE_DIR) return process.env.SEALIGN_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "sealign", "validate");
}

/** Everything about a task that could change a verdict. */
function taskFingerprint(task: Task): unknown {
  return {
    id: task.instance_id,
    base: task.base_commit,
    files: task.files ?? null,
    test_files: task.test_files ?? null,
    test_patch: task.test_patch,
    test_command: task.test_command ?? null,
    f2p: task.FAIL_TO_PASS,
    p2p: task.PASS_TO_PASS,
  };
}

/** What else decides a verdict: the time limit, the parser, the test command override. */
export interface VerdictSettings {
  timeoutMs: number;
  parser: string;
  testCommand: string | null;
}

/**
 * The cache key of a (task, patch, settings) triple: SHA-256 over the task's fingerprint, the
 * normalised patch and the settings. Identical patches up to whitespace and file-order noise
 * share a key.
 */
export function verdictKey(task: Task, patch: string, settings: VerdictSettings): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: CACHE_FORMAT, task: taskFingerprint(task), settings }))
    .update("\0")
    .update(normalisePatch(patch))
    .digest("hex");
}

interface CacheEntry {
  format: number;
  key: string;
  task_id: string;
  report: ValidationReport;
  log: string;
  sealign_version: string;
  created_at: string;
}

/**
 * Verdicts on disk, one JSON file per key (written atomically, so concurrent runs and a kill
 * leave either a whole entry or none). Harness errors are never stored: they say nothing about
 * the patch and should be retried.
 */
export class VerdictCache {
  readonly dir: string;
  hits = 0;
  misses = 0;
  /** Test-run seconds the hits saved (what those verdicts took when first computed). */
  savedSeconds = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<{ report: ValidationReport; log: string } | null> {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(await readFile(this.path(key), "utf8")) as CacheEntry;
    } catch {
      this.misses++;
      return null; // absent, or unreadable (a foreign or damaged file): validate again
    }
    if (entry.format !== CACHE_FORMAT || entry.key !== key || typeof entry.report !== "object") {
      this.misses++;
      return null;
    }
    this.hits++;
    this.savedSeconds += entry.report.duration_s ?? 0;
    return { report: { ...entry.report, cached: true }, log: entry.log };
  }

  async put(key: string, taskId: string, report: ValidationReport, log: string): Promise<void> {
    if (report.error !== null) return;
    const entry: CacheEntry = {
      format: CACHE_FORMAT,
      key,
      task_id: taskId,
      report: { ...report, cached: false, log_path: undefined },
      log,
      sealign_version: SEALIGN_VERSION,
      created_at: new Date().toISOString(),
    };
    await writeFileAtomic(this.path(key), JSON.stringify(entry));
  }
}
