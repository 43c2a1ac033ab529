import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.js";
import type { Task } from "../schema/task.js";
import { parseTask } from "../schema/validate.js";

/**
 * The built-in task suite: small multi-file repositories authored for sealign (tasks/builtin/),
 * one folder per task:
 *
 * - `repo/`      the buggy repository (its visible tests included), committed as the base
 * - `tests/`     hidden test files, added under the repository's `tests/` folder at validation
 * - `issue.md`   the bug report the agent is given
 * - `gold.patch` the reference fix (a `git diff` against the base)
 * - `task.json`  `instance_id`, `language`, `bug_kind`, `test_command`, `FAIL_TO_PASS`, `PASS_TO_PASS`
 */

/** Where the shipped suite lives: `<package root>/tasks/builtin` (same from src/ and dist/). */
export function builtinTasksDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../tasks/builtin");
}

/** The metadata file of one built-in task. */
interface TaskMeta {
  instance_id: string;
  language: string;
  bug_kind?: string;
  test_command: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
}

/** Every file under `dir` as relative path (forward slashes) -> content, sorted by path. */
export async function readTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "__pycache__" || entry.name === "node_modules" || entry.name === ".git") continue;
        await walk(full);
      } else if (entry.isFile()) {
        files[relative(dir, full).split(sep).join("/")] = await readFile(full, "utf8");
      }
    }
  };
  await walk(dir);
  return files;
}

async function readRequired(path: string, what: string): Promise<string> {
  if (!existsSync(path)) throw new InputError(`missing ${what}`, { file: path });
  return readFile(path, "utf8");
}

/** Load one task folder as a sealign Task (local variant: files inline). */
export async function loadBuiltinTask(folder: string): Promise<Task> {
  const metaPath = join(folder, "task.json");
  let meta: TaskMeta;
  try {
    meta = JSON.parse(await readRequired(metaPath, "task.json")) as TaskMeta;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`not valid JSON: ${(error as Error).message}`, { file: metaPath });
  }
  for (const field of ["instance_id", "language", "test_command"] as const) {
    if (typeof meta[field] !== "string" || meta[field] === "")
      throw new InputError("missing or not a string", { file: metaPath, field });
  }
  if (!existsSync(join(folder, "repo"))) throw new InputError("missing repo/ folder", { file: folder });
  const files = await readTree(join(folder, "repo"));
  const hidden = existsSync(join(folder, "tests")) ? await readTree(join(folder, "tests")) : {};
  const testFiles = Object.fromEntries(Object.entries(hidden).map(([path, text]) => [`tests/${path}`, text]));
  const task = parseTask(
    {
      instance_id: meta.instance_id,
      repo: "sealign/builtin",
      base_commit: "",
      problem_statement: await readRequired(join(folder, "issue.md"), "issue.md"),
      hints_text: "",
      patch: await readRequired(join(folder, "gold.patch"), "gold.patch"),
      test_patch: "",
      FAIL_TO_PASS: meta.FAIL_TO_PASS,
      PASS_TO_PASS: meta.PASS_TO_PASS,
      version: "1",
      files,
      test_files: testFiles,
      test_command: meta.test_command,
      language: meta.language,
      ...(meta.bug_kind ? { bug_kind: meta.bug_kind } : {}),
    },
    { file: metaPath },
  );
  if (task.FAIL_TO_PASS.length === 0)
    throw new InputError("a task needs at least one FAIL_TO_PASS test", {
      file: metaPath,
      field: "FAIL_TO_PASS",
    });
  return task;
}

/** Options for {@link loadBuiltinTasks}. */
export interface BuiltinSelection {
  /** Suite folder (default: the shipped one). */
  dir?: string;
  /** Only these languages ("python", "javascript"). */
  languages?: string[];
  /** Only task names / instance ids containing one of these substrings. */
  only?: string[];
  /** At most this many tasks (after filtering, in name order). */
  limit?: number;
}

/** Load the built-in suite (sorted by folder name), optionally filtered. */
export async function loadBuiltinTasks(selection: BuiltinSelection = {}): Promise<Task[]> {
  const dir = selection.dir ?? builtinTasksDir();
  if (!existsSync(dir)) throw new InputError("built-in task folder not found", { file: dir });
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const tasks: Task[] = [];
  for (const name of names) {
    if (selection.only && !selection.only.some((part) => name.includes(part))) continue;
    const task = await loadBuiltinTask(join(dir, name));
    if (selection.languages && !selection.languages.includes(task.language ?? "")) continue;
    tasks.push(task);
    if (selection.limit !== undefined && tasks.length >= selection.limit) break;
  }
  return tasks;
}
