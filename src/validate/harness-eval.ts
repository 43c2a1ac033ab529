/**
 * Validation of SWE-bench instances in their instance images, graded exactly as the SWE-bench
 * harness grades: the model patch is applied inside the container as the harness applies it
 * (`git apply`, `git apply --reject`, `patch --batch --fuzz=5 -p1`: runtime/workspace-ops.ts), then
 * the harness's own eval script runs inside (it resets the test files, applies `test_patch` and
 * runs the repository's test command between its markers), and its whole output is graded by the
 * `swebench` package (get_eval_report: the repository's log parser, FAIL_ONLY repositories,
 * RESOLVED_FULL / PARTIAL / NO).
 *
 * What sealign adds is speed around it: one warm container per instance image, reused across
 * patches. Between patches /testbed is reset (`git reset --hard` to the image's commit, `git clean
 * -fdx`) and verified: same HEAD, nothing left (ignored files included), `.git`'s config, hooks
 * and info as the image had them, and no file changed outside /testbed since the last clean point
 * except what the eval script's own reinstall of the project writes. A container that fails the
 * check, timed out, or was OOM-killed is discarded and the next patch gets a fresh one.
 */
import type { Environment, Runtime, TaskBase } from "../runtime/types.js";
import { withHardenedGit } from "../runtime/workspace-ops.js";
import type { Task } from "../schema/task.js";
import {
  type EvalScriptSpec,
  type HarnessReportEntry,
  HarnessServer,
  type HarnessSpec,
  type ResolutionStatus,
  type SwebenchInstance,
} from "../swebench/harness.js";
import { applyPatch } from "./apply.js";
import { clipMiddle, MAX_LOG_CHARS, reportWithoutRun, type ValidationReport } from "./validate-one.js";

/** The harness's markers (swebench.harness.constants) a log carries when a step failed. */
const APPLY_PATCH_FAIL = ">>>>> Patch Apply Failed";
const APPLY_PATCH_PASS = ">>>>> Applied Patch";
const TESTS_TIMEOUT = ">>>>> Tests Timed Out";

/** A validation report of a harness-graded instance: sealign's fields plus the harness's status. */
export interface HarnessValidationReport extends ValidationReport {
  /** RESOLVED_FULL / RESOLVED_PARTIAL / RESOLVED_NO, as get_resolution_status says. */
  resolution: ResolutionStatus | null;
  /** True when the container used was reused from an earlier patch. */
  warm: boolean;
  /** `swebench <version>`: who parsed and graded the log (sealign's own `parser` is then null). */
  graded_by: string | null;
}

/** Where the clean point of a container is kept (inside it; not in /tmp, which tests may use). */
const MARK = "/root/.sealign-clean-mark";

/**
 * The fingerprint of /testbed's git folder parts that run code or change what git does (config,
 * hooks, info/attributes, the commit HEAD names), and the clean check. Prints `clean <hash>` when
 * the work tree is exactly the commit with nothing else in it.
 */
const CHECK_SCRIPT = withHardenedGit(`
head=$(sgit rev-parse HEAD) || exit 3
left=$(sgit status --porcelain --ignored --untracked-files=all) || exit 3
[ -z "$left" ] || { echo "dirty: $left" | head -20; exit 4; }
fp=$( { echo "$head"; cat .git/config; ls -la --time-style=+ .git/hooks .git/info 2>&1; cat .git/info/* 2>/dev/null; } | sha256sum | cut -c1-64)
echo "clean $fp"
`);

/** Reset to the image's commit, remove everything else, then check. */
function resetScript(head: string): string {
  return withHardenedGit(`
sgit reset -q --hard ${head} || exit 3
sgit clean -qfdx || exit 3
`);
}

/**
 * Files changed outside /testbed since the clean point, less what the eval script's reinstall of
 * the project writes (`pip install -e .`: its dist-info or egg-info, the editable finder or
 * egg-link, easy-install.pth; git's global config, pip's cache). Prints one path a line.
 */
const CHANGED_OUTSIDE = String.raw`
find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /var/tmp -o -path /testbed -o -path /root/.cache \) -prune -o -newer ${MARK} \( -type f -o -type l \) -print 2>/dev/null |
  grep -v -E '/__pycache__/|^/root/\.gitconfig$|^${MARK}$' || true
`;

/** Paths the project's own reinstall writes in site-packages (see CHANGED_OUTSIDE). */
export function unexpectedChanges(paths: string[]): string[] {
  const dists = new Set<string>();
  for (const p of paths) {
    const base = p.split("/").pop() ?? "";
    const editable =
      /^__editable__\.(.+?)-[^-]+\.pth$/.exec(base) ?? /^__editable___(.+?)_\d.*_finder\.py$/.exec(base);
    if (editable?.[1]) dists.add(editable[1].toLowerCase().replaceAll("-", "_"));
    const link = /^(.+)\.egg-link$/.exec(base);
    if (link?.[1]) dists.add(link[1].toLowerCase().replaceAll("-", "_"));
  }
  return paths.filter((p) => {
    const m = /\/site-packages\/(.+)$/.exec(p);
    if (!m) return true;
    const rel = m[1] as string;
    if (/^(__editable__[^/]*|[^/]+\.egg-link|easy-install\.pth)$/.test(rel)) return false;
    const info = /^([^/]+?)-[^/]*\.(dist-info|egg-info)\//.exec(rel);
    return !(info?.[1] && dists.has(info[1].toLowerCase().replaceAll("-", "_")));
  });
}

interface WarmEntry {
  env: Environment;
  head: string;
  fingerprint: string;
}

/**
 * At most one idle container per task (one instance image), handed to one validation at a time;
 * more parallel validations of one task get containers of their own, and the extras are closed.
 */
export class WarmContainers {
  private readonly idle = new Map<string, WarmEntry>();
  /** Containers opened (a figure for the summary). */
  opened = 0;
  /** Validations that reused a container. */
  reused = 0;
  /** Containers discarded because the check after a patch failed. */
  discarded = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly reuse = true,
  ) {}

  /** A clean container for the task: the idle one, or a fresh one. */
  async acquire(task: Task, base: TaskBase): Promise<{ entry: WarmEntry; warm: boolean }> {
    const idle = this.idle.get(task.instance_id);
    if (idle) {
      this.idle.delete(task.instance_id);
      this.reused++;
      return { entry: idle, warm: true };
    }
    const env = await this.runtime.open(base, { name: task.instance_id });
    this.opened++;
    try {
      const head = await env.exec(withHardenedGit("sgit rev-parse HEAD"), { timeoutMs: 60_000 });
      if (head.exitCode !== 0)
        throw new Error(`no git work tree at ${env.workdir} in the image: ${head.output.trim()}`);
      // the same state for the first patch as for the later ones: files the image's install left
      // (egg-info, a generated _version.py) go too; the eval script's reinstall brings them back
      const cleaned = `${resetScript(head.stdout.trim())}\n${CHECK_SCRIPT}\ns=$?; touch ${MARK}; exit $s`;
      const check = await env.exec(cleaned, { timeoutMs: 120_000 });
      const fp = /^clean (\w+)/m.exec(check.stdout);
      if (check.exitCode !== 0 || !fp)
        throw new Error(
          `the instance image's ${env.workdir} is not a clean checkout: ${check.output.trim().slice(0, 500)}`,
        );
      return { entry: { env, head: head.stdout.trim(), fingerprint: fp[1] as string }, warm: false };
    } catch (error) {
      await env.close();
      throw error;
    }
  }

  /**
   * After a validation: reset, check, and keep the container idle when it is exactly as it was;
   * close it otherwise (or when `keep` is false: it timed out, was OOM-killed, or errored).
   * Returns why it was discarded, or null when kept.
   */
  async release(task: Task, entry: WarmEntry, keep: boolean): Promise<string | null> {
    if (!this.reuse || !keep || this.idle.has(task.instance_id)) {
      await entry.env.close();
      return keep && this.reuse ? null : "not reused";
    }
    let why: string | null = null;
    try {
      const reset = await entry.env.exec(resetScript(entry.head), { timeoutMs: 120_000 });
      if (reset.exitCode !== 0) why = `reset failed: ${reset.output.trim().slice(0, 300)}`;
      if (!why) {
        const check = await entry.env.exec(CHECK_SCRIPT, { timeoutMs: 120_000 });
        const fp = /^clean (\w+)/m.exec(check.stdout)?.[1];
        if (check.exitCode !== 0 || !fp) why = `not clean after reset: ${check.output.trim().slice(0, 300)}`;
        else if (fp !== entry.fingerprint) why = "the git folder's config, hooks or info changed";
      }
      if (!why) {
        const changed = await entry.env.exec(CHANGED_OUTSIDE, { timeoutMs: 120_000 });
        const unexpected = unexpectedChanges(changed.stdout.split("\n").filter(Boolean));
        if (changed.exitCode !== 0) why = "the check of files outside /testbed failed";
        else if (unexpected.length > 0)
          why = `files changed outside /testbed: ${unexpected.slice(0, 5).join(", ")}${unexpected.length > 5 ? ", ..." : ""}`;
      }
      if (!why) {
        const touched = await entry.env.exec(`touch ${MARK}`, { timeoutMs: 30_000 });
        if (touched.exitCode !== 0) why = "cannot mark the clean point";
      }
    } catch (error) {
      why = `check failed: ${(error as Error).message}`;
    }
    if (why) {
      this.discarded++;
      await entry.env.close();
      return why;
    }
    this.idle.set(task.instance_id, entry);
    return null;
  }

  /** Close the idle container of a task whose validations are all done. */
  async drop(taskId: string): Promise<void> {
    const idle = this.idle.get(taskId);
    this.idle.delete(taskId);
    await idle?.env.close();
  }

  async close(): Promise<void> {
    const all = [...this.idle.values()];
    this.idle.clear();
    await Promise.all(all.map((e) => e.env.close()));
  }
}

export interface HarnessEvalOptions {
  /** Limit of the eval script (the harness's `--timeout`). */
  timeoutMs: number;
  containers: WarmContainers;
  harness: HarnessServer;
  /** The harness's spec of the task (its eval script). */
  spec: Pick<HarnessSpec, "eval_script">;
}

/**
 * Validate one patch of a SWE-bench instance in its image. Failures of the harness (no image, a
 * dead daemon, the helper) come back as `error`; a time-out or an OOM kill as `timed_out` /
 * `error` with the reason. Never throws.
 */
export async function validateInContainer(
  task: Task,
  patch: string,
  base: TaskBase,
  options: HarnessEvalOptions,
): Promise<{ report: HarnessValidationReport; log: string; harnessLog: string | null }> {
  const report: HarnessValidationReport = {
    ...reportWithoutRun(patch),
    patch_exists: true,
    parser: null,
    resolution: null,
    warm: false,
    graded_by: null,
  };
  const log: string[] = [`instance: ${task.instance_id}`, "graded by: swebench harness"];
  let held: WarmEntry | null = null;
  let keep = false;
  let gradedLog: string | null = null;
  try {
    const acquired = await options.containers.acquire(task, base);
    held = acquired.entry;
    report.warm = acquired.warm;
    log.push(`== container: ${acquired.warm ? "warm (reset and verified clean)" : "fresh"}`);
    const env = held.env;
    const applied = await applyPatch(env, patch);
    report.apply_method = applied.method;
    log.push("== apply patch", applied.log);
    const harnessLog: string[] = [];
    if (!applied.applied) {
      harnessLog.push(`${APPLY_PATCH_FAIL}:\n${applied.log}`);
      log.push(APPLY_PATCH_FAIL);
      keep = true;
    } else {
      harnessLog.push(`${APPLY_PATCH_PASS} (${applied.method})`);
      log.push(`== eval script (limit ${options.timeoutMs / 1000}s)`);
      const script = options.spec.eval_script;
      const result = await env.exec(
        'f=$(mktemp /root/eval.XXXXXX.sh) && cat > "$f" && /bin/bash "$f"; s=$?; rm -f "$f"; exit $s',
        { timeoutMs: options.timeoutMs, stdin: script },
      );
      report.exit_code = result.exitCode;
      report.timed_out = result.timedOut;
      report.duration_s = Math.round(result.durationMs) / 1000;
      harnessLog.push(result.output);
      const oom = (result as { oomKilled?: boolean }).oomKilled === true;
      if (result.timedOut) {
        harnessLog.push(`${TESTS_TIMEOUT}\n\nTimeout error: ${options.timeoutMs / 1000} seconds exceeded.`);
        report.error = `tests timed out after ${options.timeoutMs / 1000} s (the harness counts this as an error)`;
      } else if (oom) {
        report.error = "the eval was killed for exceeding the container's memory limit (OOM)";
      } else {
        keep = true;
      }
      log.push(clipMiddle(result.output.trimEnd(), MAX_LOG_CHARS));
    }
    if (report.error === null) {
      gradedLog = harnessLog.join("\n");
      const graded = await options.harness.grade([
        { instance: task as unknown as SwebenchInstance, log: gradedLog, model_patch: patch },
      ]);
      const answer = graded.answers[0];
      if (!answer?.ok)
        throw new Error(`the swebench harness could not grade the log: ${answer?.error ?? "no answer"}`);
      const entry = answer.value.report[task.instance_id] as HarnessReportEntry;
      report.patch_successfully_applied = entry.patch_successfully_applied;
      report.resolved = entry.resolved;
      report.resolution = answer.value.resolution;
      report.tests_status = (entry.tests_status ?? {}) as ValidationReport["tests_status"];
      report.graded_by = `swebench ${graded.swebenchVersion}`;
    }
    log.push(
      `== verdict: ${report.error ? `error: ${report.error}` : `${report.resolution} (${report.resolved ? "resolved" : "not resolved"})`}`,
    );
  } catch (error) {
    report.error = (error as Error).message;
    report.resolved = false;
    keep = false;
    log.push(`== harness error: ${report.error}`);
  } finally {
    if (held) {
      const why = await options.containers.release(task, held, keep).catch((e: Error) => e.message);
      if (why && why !== "not reused") log.push(`== container discarded: ${why}`);
    }
  }
  return { report, log: log.join("\n"), harnessLog: gradedLog };
}

/**
 * The harness route of one validation run: which tasks the swebench package has specs for (they
 * are graded by it; others keep sealign's parsers), their eval scripts, the helper and the warm
 * containers. `done(taskId)` closes a task's idle container once its last validation is over.
 */
export class HarnessRoute {
  private readonly pending = new Map<string, number>();

  private constructor(
    readonly server: HarnessServer,
    readonly containers: WarmContainers,
    readonly specs: Map<string, EvalScriptSpec>,
    readonly swebenchVersion: string,
  ) {}

  /** Ask the harness for every task's eval script; tasks it has no specs for are left out. */
  static async open(
    tasks: Task[],
    runtime: Runtime,
    options: { reuse?: boolean } = {},
  ): Promise<HarnessRoute> {
    const server = new HarnessServer();
    const candidates = tasks.filter((t) => t.repo && t.base_commit && t.test_patch);
    try {
      const batch = await server.spec(
        candidates.map((t) => ({ instance: t as unknown as SwebenchInstance, eval_only: true })),
      );
      const specs = new Map<string, EvalScriptSpec>();
      batch.answers.forEach((answer, i) => {
        if (answer.ok) specs.set((candidates[i] as Task).instance_id, answer.value as EvalScriptSpec);
      });
      return new HarnessRoute(
        server,
        new WarmContainers(runtime, options.reuse ?? true),
        specs,
        batch.swebenchVersion,
      );
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  /** `swebench <version>`, for cache keys and provenance. */
  get grader(): string {
    return `swebench ${this.swebenchVersion}`;
  }

  expect(taskId: string): void {
    this.pending.set(taskId, (this.pending.get(taskId) ?? 0) + 1);
  }

  async done(taskId: string): Promise<void> {
    const left = (this.pending.get(taskId) ?? 1) - 1;
    this.pending.set(taskId, left);
    if (left <= 0) await this.containers.drop(taskId);
  }

  validate(task: Task, patch: string, base: TaskBase, timeoutMs: number) {
    return validateInContainer(task, patch, base, {
      timeoutMs,
      containers: this.containers,
      harness: this.server,
      spec: this.specs.get(task.instance_id) as EvalScriptSpec,
    });
  }

  async close(): Promise<void> {
    await this.containers.close();
    await this.server.close();
  }
}
