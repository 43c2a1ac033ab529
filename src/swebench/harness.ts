/**
 * The SWE-bench harness (the `swebench` Python package in the project's environment), called
 * through python/swebench_helper.py: an instance's eval script and per-repository specs, and the
 * harness's own grading of a test log. sealign never re-implements either: it runs the eval
 * script the harness writes and grades its log with the harness's parsers, so a verdict here is
 * the verdict `swebench.harness.run_evaluation` would give for the same log.
 *
 * Calls are batched: importing the harness costs a few seconds, so one Python process answers
 * many instances.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { pythonFile, venvPython } from "../package-paths.js";

const HELPER = pythonFile("swebench_helper.py");

/** An instance record as SWE-bench publishes it (the fields the harness reads). */
export interface SwebenchInstance {
  instance_id: string;
  repo: string;
  base_commit: string;
  version?: string;
  patch?: string;
  test_patch: string;
  FAIL_TO_PASS: string[] | string;
  PASS_TO_PASS: string[] | string;
  environment_setup_commit?: string;
  [key: string]: unknown;
}

/** What `make_test_spec` and the specs say about one instance. */
export interface HarnessSpec {
  instance_id: string;
  repo: string;
  version: string;
  language: string;
  /** SWE-bench's published name: `swebench/sweb.eval.x86_64.<id, "__" -> "_1776_">:latest`. */
  image: string;
  /** The harness's key for the environment image (a hash of its environment script). */
  env_image_key: string;
  python: string | null;
  /** conda packages of the harness's `conda create` (a space-separated list), or a file name. */
  packages: string | null;
  pip_packages: string[];
  pre_install: string[];
  install: string | null;
  repo_install: string | null;
  eval_commands: string[];
  test_cmd: string | string[];
  /** The requirements file's text (specs with `packages: requirements.txt`), cleaned by the harness. */
  requirements: string | null;
  /** The commit the requirements were read from (environment_setup_commit, else base_commit). */
  requirements_commit: string | null;
  test_files: string[];
  log_parser: string;
  fail_only: boolean;
  /** The harness's eval script, verbatim. */
  eval_script: string;
  install_repo_script: string;
  setup_env_script: string;
  start_marker: string;
  end_marker: string;
}

export type ResolutionStatus = "RESOLVED_FULL" | "RESOLVED_PARTIAL" | "RESOLVED_NO";

/** The harness's report for one instance (get_eval_report with include_tests_status). */
export interface HarnessReportEntry {
  patch_is_None: boolean;
  patch_exists: boolean;
  patch_successfully_applied: boolean;
  resolved: boolean;
  tests_status?: Record<string, { success: string[]; failure: string[] }>;
}

/** The harness's grading of one log. */
export interface HarnessGrade {
  instance_id: string;
  /** `{instance_id: entry}`, as the harness writes report.json. */
  report: Record<string, HarnessReportEntry>;
  resolution: ResolutionStatus;
  resolved: boolean;
  patch_successfully_applied: boolean;
  /** The log parser's test -> status map. */
  status_map: Record<string, string>;
}

export interface GradeRequest {
  instance: SwebenchInstance;
  /** The eval script's whole output. */
  log: string;
  /** The model's patch (null: the harness's `patch_is_None`). */
  model_patch: string | null;
}

export interface SpecRequest {
  instance: SwebenchInstance;
  /** The repository's local clone (bare or not), for requirements files. */
  repo_dir?: string;
  /** Only the eval script (no environment script, so no requirements file is read). */
  eval_only?: boolean;
}

/** What a spec request with `eval_only` answers. */
export type EvalScriptSpec = Pick<
  HarnessSpec,
  "instance_id" | "repo" | "version" | "eval_script" | "test_files" | "fail_only"
>;

/** One item's answer: its value, or the harness's error for it. */
export type HarnessAnswer<T> = { ok: true; value: T } | { ok: false; error: string };

export interface HarnessOptions {
  /** The Python interpreter with `swebench` installed (default: the project's .venv). */
  python?: string;
  timeoutMs?: number;
}

/** The harness's version and per-item answers for one batch. */
export interface HarnessBatch<T> {
  swebenchVersion: string;
  answers: Array<HarnessAnswer<T>>;
}

/** Thrown when the harness cannot be run at all (no environment, no package, a crash). */
export class HarnessUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HarnessUnavailableError";
  }
}

/** The eval scripts and specs of `items`, from `make_test_spec`. */
export function harnessSpecs(
  items: SpecRequest[],
  options: HarnessOptions = {},
): Promise<HarnessBatch<HarnessSpec>> {
  return callHelper<HarnessSpec>("spec", items, options);
}

/** The harness's grading of each log. */
export function harnessGrade(
  items: GradeRequest[],
  options: HarnessOptions = {},
): Promise<HarnessBatch<HarnessGrade>> {
  return callHelper<HarnessGrade>("grade", items, options);
}

async function callHelper<T>(
  op: "spec" | "grade",
  items: unknown[],
  options: HarnessOptions,
): Promise<HarnessBatch<T>> {
  const python = options.python ?? venvPython();
  if (!existsSync(python)) {
    throw new HarnessUnavailableError(
      `no Python environment at ${python} for the swebench harness; run scripts/setup-swebench.sh (or npm test's set-up)`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 120_000 + 2_000 * items.length;
  const { code, stdout, stderr, timedOut } = await runPython(
    python,
    [HELPER],
    JSON.stringify({ op, items }),
    timeoutMs,
  );
  if (timedOut)
    throw new HarnessUnavailableError(`the swebench helper did not answer within ${timeoutMs} ms`);
  if (code !== 0) {
    const tail = stderr.trim().split("\n").slice(-4).join("\n");
    const hint = /No module named 'swebench'/.test(stderr)
      ? "; the swebench package is missing: run scripts/setup-swebench.sh"
      : "";
    throw new HarnessUnavailableError(`the swebench helper failed (exit ${code}): ${tail}${hint}`);
  }
  let parsed: { swebench_version: string; results: Array<T | { error: string }> };
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new HarnessUnavailableError(
      `the swebench helper wrote no JSON (${(error as Error).message}): ${stdout.slice(0, 200)}`,
    );
  }
  if (!Array.isArray(parsed.results) || parsed.results.length !== items.length) {
    throw new HarnessUnavailableError(
      `the swebench helper answered ${parsed.results?.length ?? "no"} items for ${items.length}`,
    );
  }
  return {
    swebenchVersion: parsed.swebench_version,
    answers: parsed.results.map(toAnswer<T>),
  };
}

function runPython(
  python: string,
  args: string[],
  input: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new HarnessUnavailableError(`cannot start ${python}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/**
 * A long-lived helper (`swebench_helper.py --serve`) for a validation run: the harness is imported
 * once and each grading is one line each way. Requests are answered in order, one at a time; a
 * helper that dies is restarted on the next request.
 */
export class HarnessServer {
  private child: ReturnType<typeof spawn> | null = null;
  private buffer = "";
  private stderr = "";
  private waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  private chain: Promise<unknown> = Promise.resolve();
  swebenchVersion: string | null = null;

  constructor(private readonly options: HarnessOptions = {}) {}

  grade(items: GradeRequest[]): Promise<HarnessBatch<HarnessGrade>> {
    return this.request<HarnessGrade>("grade", items);
  }

  spec(items: SpecRequest[]): Promise<HarnessBatch<HarnessSpec>> {
    return this.request<HarnessSpec>("spec", items);
  }

  private request<T>(op: "spec" | "grade", items: unknown[]): Promise<HarnessBatch<T>> {
    const run = this.chain.then(() => this.send<T>(op, items));
    this.chain = run.catch(() => {});
    return run;
  }

  private start(): ReturnType<typeof spawn> {
    const python = this.options.python ?? venvPython();
    if (!existsSync(python))
      throw new HarnessUnavailableError(
        `no Python environment at ${python} for the swebench harness; run scripts/setup-swebench.sh`,
      );
    const child = spawn(python, [HELPER, "--serve"], { stdio: ["pipe", "pipe", "pipe"] });
    this.buffer = "";
    this.stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      let at = this.buffer.indexOf("\n");
      while (at >= 0) {
        const line = this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + 1);
        this.waiting.shift()?.resolve(line);
        at = this.buffer.indexOf("\n");
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4000);
    });
    const fail = (why: string) => {
      if (this.child === child) this.child = null;
      const tail = this.stderr.trim().split("\n").slice(-4).join("\n");
      for (const w of this.waiting.splice(0))
        w.reject(new HarnessUnavailableError(`the swebench helper ${why}${tail ? `: ${tail}` : ""}`));
    };
    child.on("error", (e) => fail(`could not start (${e.message})`));
    child.on("close", (code, signal) => fail(`exited (${signal ?? `exit ${code}`})`));
    child.stdin?.on("error", () => {});
    return child;
  }

  private async send<T>(op: "spec" | "grade", items: unknown[]): Promise<HarnessBatch<T>> {
    if (!this.child) this.child = this.start();
    const child = this.child;
    const timeoutMs = this.options.timeoutMs ?? 120_000 + 2_000 * items.length;
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new HarnessUnavailableError(`the swebench helper did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push({
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.stdin?.write(`${JSON.stringify({ op, items })}\n`);
    });
    const parsed = JSON.parse(line) as {
      error?: string;
      swebench_version: string;
      results: Array<T | { error: string }>;
    };
    if (parsed.error)
      throw new HarnessUnavailableError(`the swebench helper refused the request: ${parsed.error}`);
    this.swebenchVersion = parsed.swebench_version;
    return { swebenchVersion: parsed.swebench_version, answers: parsed.results.map(toAnswer<T>) };
  }

  /** Stop the helper. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    child.stdin?.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, 5_000);
      child.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function toAnswer<T>(r: T | { error: string }): HarnessAnswer<T> {
  return r && typeof r === "object" && "error" in r && typeof (r as { error: unknown }).error === "string"
    ? { ok: false, error: (r as { error: string }).error }
    : { ok: true, value: r as T };
}
