import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MOUNT_POINT, runSandboxed, type SandboxLimits } from "../sandbox/bwrap.js";
import {
  type BaseWorkspace,
  cloneWorkspace,
  git,
  pathInside,
  removeWorkspace,
  writeFiles,
} from "../sandbox/workspace.js";
import type { Task } from "../schema/task.js";
import { applyPatch, patchedFiles } from "./apply.js";
import { gradeTests, type TestsStatus } from "./grading.js";
import { parseJunitXml } from "./junit.js";
import { LOG_PARSERS, parseLogAuto } from "./parse-log.js";
import type { ParserName, StatusMap } from "./status.js";
import { runsPytest, testCommandOf } from "./test-command.js";

/** The verdict on one patch: SWE-bench's per-instance report plus how it was reached. */
export interface ValidationReport {
  patch_is_None: boolean;
  patch_exists: boolean;
  patch_successfully_applied: boolean;
  resolved: boolean;
  apply_method: string | null;
  timed_out: boolean;
  tests_status: TestsStatus | Record<string, never>;
  exit_code: number | null;
  duration_s: number | null;
  /**
   * Which parser read the test log (junit, pytest, unittest, node, exit-code); null when no test
   * ran, or when no parser recognised the log of named tests (they then count as never run).
   */
  parser: ParserName | null;
  /** A failure of the harness itself (not of the patch): the verdict is unknown. */
  error: string | null;
  cached: boolean;
  log_path?: string;
}

export interface ValidateOneOptions {
  /** Wall-clock limit of the test command. */
  timeoutMs: number;
  /** Force a parser; "auto" (default) prefers JUnit XML, then whichever log parser reads most. */
  parser?: ParserName | "auto";
  /** Test command for tasks that carry none. */
  testCommand?: string;
  /** Folder for the throw-away workspaces. */
  workRoot?: string;
  limits?: SandboxLimits;
  unsafeNoSandbox?: boolean;
  /**
   * Validate in the base itself instead of a copy: for the last use of a base that is thrown
   * away afterwards (the caller removes it), which saves the copy.
   */
  inPlace?: boolean;
}

/** Where the JUnit file is written, inside the workspace. */
const JUNIT_FILE = ".sealign-junit.xml";

/**
 * The most test output kept in an instance log (and the cache): the parsers read the whole
 * output, but thousands of logs of a test that floods its output must not fill the disk.
 */
export const MAX_LOG_CHARS = 512 * 1024;

/** Keep the head and, mostly, the tail (where test summaries are) of a long text. */
export function clipMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.floor(max / 8);
  const tail = max - head;
  return `${text.slice(0, head)}\n[... ${text.length - max} characters cut by sealign ...]\n${text.slice(text.length - tail)}`;
}

/** A report decided without running anything: null or empty patch. */
export function reportWithoutRun(patch: string | null): ValidationReport {
  return {
    patch_is_None: patch === null,
    patch_exists: false,
    patch_successfully_applied: false,
    resolved: false,
    apply_method: null,
    timed_out: false,
    tests_status: {},
    exit_code: null,
    duration_s: null,
    parser: null,
    error: null,
    cached: false,
  };
}

/** Add the task's tests: write `test_files`, or reset the files `test_patch` touches and apply it. */
async function addTests(
  workspace: string,
  base: BaseWorkspace,
  task: Task,
  scratch: string,
): Promise<string> {
  if (task.test_files) await writeFiles(workspace, task.test_files, "test_files");
  if (!task.test_patch.trim())
    return task.test_files ? `added test files: ${Object.keys(task.test_files).join(", ")}` : "";
  for (const file of patchedFiles(task.test_patch)) {
    // A model's edit of a test file the task replaces must not decide the verdict.
    // A file the base lacks (the test_patch creates it) is removed instead.
    await git(workspace, ["checkout", "-q", base.baseCommit, "--", file]).catch(() =>
      rm(pathInside(workspace, file, "test_patch path"), { force: true }),
    );
  }
  const testPatchFile = join(scratch, "test.patch");
  await writeFile(testPatchFile, task.test_patch);
  await git(workspace, ["apply", "--whitespace=nowarn", testPatchFile]);
  return "applied test_patch";
}

/**
 * True when a task's test names are whole test files or commands (HumanEvalFix's "test.py"),
 * or there are none: then the command's exit code is the verdict when no parser recognises the
 * log. Named tests (pytest ids, "test_x (mod.Class)", node test names) that no parser finds
 * never ran, and fail.
 */
export function judgedByExitCode(names: readonly string[]): boolean {
  return names.every((name) => /^[\w./-]+\.\w+$/.test(name) && !name.includes("::"));
}

function statusesFrom(
  parser: ParserName | "auto",
  log: string,
  junit: string | null,
  names: readonly string[],
): { parser: ParserName | null; statuses: StatusMap | null } {
  switch (parser) {
    case "exit-code":
      return { parser, statuses: null };
    case "junit":
      return { parser, statuses: parseJunitXml(junit ?? "") };
    case "auto": {
      if (junit !== null) {
        const statuses = parseJunitXml(junit);
        if (statuses.size > 0) return { parser: "junit", statuses };
      }
      const best = parseLogAuto(log);
      if (best) return best;
      return judgedByExitCode(names)
        ? { parser: "exit-code", statuses: null }
        : { parser: null, statuses: new Map() };
    }
    default:
      return { parser, statuses: LOG_PARSERS[parser](log) };
  }
}

/**
 * Validate one patch on one task: a fresh copy of the task's prepared base, the patch applied,
 * the task's tests added and run in the sandbox under a time limit, per-test statuses parsed
 * and graded by SWE-bench's rule. Harness failures come back as `error`, never thrown.
 */
export async function validateOne(
  task: Task,
  patch: string,
  base: BaseWorkspace,
  options: ValidateOneOptions,
): Promise<{ report: ValidationReport; log: string }> {
  const report = reportWithoutRun(patch);
  report.patch_exists = true;
  const log: string[] = [`instance: ${task.instance_id}`];
  // Patch files live beside the workspaces, so an interrupted run's clean-up takes them too.
  const scratchRoot = options.workRoot ?? tmpdir();
  await mkdir(scratchRoot, { recursive: true });
  const scratch = await mkdtemp(join(scratchRoot, "sealign-scratch-"));
  let workspace: string | null = null;
  try {
    workspace = options.inPlace
      ? base.dir
      : await cloneWorkspace(base, { root: options.workRoot, name: task.instance_id });
    const patchFile = join(scratch, "model.patch");
    await writeFile(patchFile, patch.endsWith("\n") ? patch : `${patch}\n`);
    const applied = await applyPatch(workspace, patchFile);
    log.push("== apply patch", applied.log);
    report.patch_successfully_applied = applied.applied;
    report.apply_method = applied.method;
    if (!applied.applied) {
      log.push("== verdict: patch did not apply");
      return { report, log: log.join("\n") };
    }
    log.push("== add tests", await addTests(workspace, base, task, scratch));
    const command = testCommandOf(task, options.testCommand);
    const wantJunit = (options.parser ?? "auto") !== "exit-code" && runsPytest(command);
    const junitPath = `${options.unsafeNoSandbox ? workspace : DEFAULT_MOUNT_POINT}/${JUNIT_FILE}`;
    const env: Record<string, string> = wantJunit
      ? { PYTEST_ADDOPTS: `-rA -o junit_family=xunit1 --junitxml=${junitPath}` }
      : {};
    log.push(`== run tests (limit ${options.timeoutMs / 1000}s): ${command}`);
    const result = await runSandboxed(command, {
      workspace,
      timeoutMs: options.timeoutMs,
      env,
      limits: options.limits,
      unsafeNoSandbox: options.unsafeNoSandbox,
    });
    log.push(clipMiddle(result.output.trimEnd(), MAX_LOG_CHARS));
    report.exit_code = result.exitCode;
    report.timed_out = result.timedOut;
    report.duration_s = Math.round(result.durationMs) / 1000;
    const junit = wantJunit ? await readFile(join(workspace, JUNIT_FILE), "utf8").catch(() => null) : null;
    const named = task.FAIL_TO_PASS.length + task.PASS_TO_PASS.length > 0;
    const failToPass = named ? task.FAIL_TO_PASS : ["test_command"];
    const { parser, statuses } = statusesFrom(options.parser ?? "auto", result.output, junit, [
      ...failToPass,
      ...task.PASS_TO_PASS,
    ]);
    report.parser = parser;
    let map: StatusMap;
    if (statuses === null) {
      // Plain command (HumanEvalFix): every listed test shares the command's verdict.
      const ok = !result.timedOut && result.exitCode === 0;
      map = new Map(
        [...failToPass, ...task.PASS_TO_PASS].map((name) => [name, ok ? "PASSED" : "FAILED"] as const),
      );
    } else {
      map = statuses;
    }
    const graded = gradeTests(map, failToPass, task.PASS_TO_PASS);
    report.tests_status = graded.tests_status;
    report.resolved = graded.resolved && !(result.timedOut && statuses === null);
    log.push(
      `== verdict: ${report.resolved ? "resolved" : "not resolved"}${result.timedOut ? " (timed out)" : ""}, exit ${result.exitCode}, parser ${parser ?? "none recognised the log: named tests count as not run"}`,
    );
    return { report, log: log.join("\n") };
  } catch (error) {
    report.error = (error as Error).message;
    report.resolved = false;
    log.push(`== harness error: ${report.error}`);
    return { report, log: log.join("\n") };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    if (workspace && !options.inPlace) await removeWorkspace(workspace);
  }
}
