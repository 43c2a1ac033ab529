import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** ../shared/data beside the repository (never copied into it). */
export const SHARED_DATA = resolve(REPO_ROOT, "../shared/data");

export function sharedData(...parts: string[]): string {
  const path = join(SHARED_DATA, ...parts);
  if (!existsSync(path))
    throw new Error(`missing shared data file ${path}: tests read ../shared/data beside the repo`);
  return path;
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = "sealign-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The built CLI. Tests that spawn it rely on scripts/setup.sh having built dist/. */
export const CLI = join(REPO_ROOT, "dist", "cli.js");
