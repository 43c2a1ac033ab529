import { randomBytes } from "node:crypto";
import { LocalRuntime } from "../runtime/local.js";
import type { Environment, Runtime, TaskBase } from "../runtime/types.js";
import { checkRelativePath, shellQuote, withHardenedGit, writeFiles } from "../runtime/workspace-ops.js";
import type { SandboxLimits } from "../sandbox/bwrap.js";
import type { BaseWorkspace } from "../sandbox/workspace.js";
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
  /**
   * Where the validation's environment comes from (the one that prepared `base`). Without it,
   * a local runtime over `workRoot` with `limits` / `unsafeNoSandbox` (a base from prepareBase).
   */
  runtime?: Runtime;
  /** Folder for the throw-away workspaces (local runtime made here only). */
  workRoot?: string;
  limits?: SandboxLimits;
  unsafeNoSandbox?: boolean;
  /**
   * @deprecated Has no effect: every validation gets its own environment, which in the local
   * runtime is a `--shared` clone costing only its checkout (validating in the base itself
   * would let a patch touch the base). Accepted so that older callers still compile.
   */
  inPlace?: boolean;
}

/**
 * The JUnit file's name inside the workspace: random per validation, so that a patch cannot
 * plant a report of its own in its place.
 */
function junitFileName(): string {
  return `.sealign-junit-${randomBytes(8).toString("hex")}.xml`;
}

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

/**
 * Add the task's tests inside the environment: write `test_files`, or reset the files
 * `test_patch` touches to the base and apply it (a file the base lacks is removed first).
 */
async function addTests(env: Environment, task: Task): Promise<string> {
  if (task.test_files) await writeFiles(env, task.test_files, { field: "test_files" });
  if (!task.test_patch.trim())
    return task.test_files ? `added test files: ${Object.keys(task.test_files).join(", ")}` : "";
  // A model's edit of a test file the task replaces must not decide the verdict.
  const resets = patchedFiles(task.test_patch)
    .map((file) => shellQuote(checkRelativePath(file, "test_patch")))
    .map(
      (file) => `sgit checkout -q ${shellQuote(env.baseCommit)} -- ${file} 2>/dev/null || rm -f -- ${file}`,
    );
  const script = withHardenedGit(
    [
      ...resets,
      'p=$(mktemp) && cat > "$p" && sgit apply --whitespace=nowarn "$p"; s=$?; rm -f "$p"; exit $s',
    ].join("\n"),
  );
  const result = await env.exec(script, { timeoutMs: 120_000, stdin: task.test_patch });
  if (result.timedOut || result.exitCode !== 0)
    throw new Error(`test_patch did not apply: ${result.output.trim() || `exit ${result.exitCode}`}`);
  return "applied test_patch";
}

/** The JUnit report the test run wrote, read inside; null when there is none. */
async function readJunit(env: Environment, name: string): Promise<string | null> {
  const result = await env.exec(`cat -- ${shellQuote(name)} 2>/dev/null`, {
    timeoutMs: 60_000,
    maxOutputBytes: 256 * 1024 * 1024,
  });
  return result.exitCode === 0 ? result.stdout : null;
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
 * Validate one patch on one task: a fresh environment from the task's prepared base, the patch
 * applied, the task's tests added and run under a time limit, all inside it; per-test statuses
 * parsed and graded by SWE-bench's rule. Harness failures come back as `error`, never thrown.
 */
export async function validateOne(
  task: Task,
  patch: string,
  base: TaskBase | BaseWorkspace,
  options: ValidateOneOptions,
): Promise<{ report: ValidationReport; log: string }> {
  const report = reportWithoutRun(patch);
  report.patch_exists = true;
  const log: string[] = [`instance: ${task.instance_id}`];
  const ownRuntime = options.runtime
    ? null
    : new LocalRuntime({
        root: options.workRoot,
        limits: options.limits,
        unsafeNoSandbox: options.unsafeNoSandbox,
      });
  const runtime = options.runtime ?? (ownRuntime as LocalRuntime);
  let env: Environment | null = null;
  try {
    env = await runtime.open("task" in base ? base : { task, ...base }, { name: task.instance_id });
    const applied = await applyPatch(env, patch);
    log.push("== apply patch", applied.log);
    report.patch_successfully_applied = applied.applied;
    report.apply_method = applied.method;
    if (!applied.applied) {
      log.push("== verdict: patch did not apply");
      return { report, log: log.join("\n") };
    }
    log.push("== add tests", await addTests(env, task));
    const command = testCommandOf(task, options.testCommand);
    const wantJunit = (options.parser ?? "auto") !== "exit-code" && runsPytest(command);
    const junitFile = junitFileName();
    const vars: Record<string, string> = wantJunit
      ? { PYTEST_ADDOPTS: `-rA -o junit_family=xunit1 --junitxml=${env.workdir}/${junitFile}` }
      : {};
    log.push(`== run tests (limit ${options.timeoutMs / 1000}s): ${command}`);
    const result = await env.exec(command, { timeoutMs: options.timeoutMs, env: vars });
    log.push(clipMiddle(result.output.trimEnd(), MAX_LOG_CHARS));
    report.exit_code = result.exitCode;
    report.timed_out = result.timedOut;
    report.duration_s = Math.round(result.durationMs) / 1000;
    const junit = wantJunit ? await readJunit(env, junitFile) : null;
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
    await env?.close();
    await ownRuntime?.close();
  }
}
