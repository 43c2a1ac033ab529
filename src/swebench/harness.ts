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
import { pythonFile, venvPython } from "../train/paths.js";

/** The swebench version the set-up installs (python/requirements-swebench.txt). */
export const SWEBENCH_REQUIREMENTS = pythonFile("requirements-swebench.txt");
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
}

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

/** Every answer's value, or an error naming the first failed item's instance. */
export function unwrapAll<T>(batch: HarnessBatch<T>, ids: string[]): T[] {
  return batch.answers.map((answer, i) => {
    if (!answer.ok) throw new Error(`swebench harness, instance ${ids[i]}: ${answer.error}`);
    return answer.value;
  });
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
  if (timedOut) throw new HarnessUnavailableError(`the swebench helper did not answer within ${timeoutMs} ms`);
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
    answers: parsed.results.map((r) =>
      r && typeof r === "object" && "error" in r && typeof (r as { error: unknown }).error === "string"
        ? { ok: false as const, error: (r as { error: string }).error }
        : { ok: true as const, value: r as T },
    ),
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
