import { InputError } from "../errors.js";
import type { Task } from "../schema/task.js";
import { patchedFiles } from "./apply.js";

/**
 * The shell command that runs a task's tests: the task's own `test_command`, else the one the
 * user gave (`--test-command`), else, for a SWE-bench instance with a `test_patch`, pytest on
 * the test files that patch touches (what the harness does for most pytest repositories).
 */
export function testCommandOf(task: Task, override?: string): string {
  if (task.test_command) return task.test_command;
  if (override) return override;
  const files = patchedFiles(task.test_patch).filter((f) => /\.py$/.test(f));
  if (files.length > 0) return `python -m pytest -rA ${files.map(shellQuote).join(" ")}`;
  throw new InputError(
    `task ${task.instance_id} has no test_command and no Python test_patch to derive one from; give --test-command`,
    { field: "test_command" },
  );
}

/** True when the command runs pytest, so JUnit XML can be asked for through PYTEST_ADDOPTS. */
export function runsPytest(command: string): boolean {
  return /(^|[\s;&|(/])(py\.test|pytest)\b/.test(command);
}

export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
