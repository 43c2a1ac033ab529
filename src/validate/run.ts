import { existsSync, rmSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { JsonlAppender } from "../io/append.js";
import { JsonlWriter, writeFileAtomic } from "../io/atomic.js";
import { readJsonl } from "../io/jsonl.js";
import { safeFileName } from "../io/names.js";
import { refuseOutputAmongInputs } from "../io/paths.js";
import type { QueueRunOptions } from "../queue/coordinator.js";
import { DockerRuntime } from "../runtime/docker.js";
import { LocalRuntime } from "../runtime/local.js";
import { chooseRuntime, type RuntimeName } from "../runtime/select.js";
import type { Runtime } from "../runtime/types.js";
import type { SandboxLimits } from "../sandbox/bwrap.js";
import { isInlineTask, type Task } from "../schema/task.js";
import { loadTasks } from "../tasks/load.js";
import { readTrajectories } from "../trajectories/read.js";
import { SEALIGN_VERSION } from "../version.js";
import { BasePool, repoPathIn } from "./bases.js";
import { VerdictCache, verdictKey } from "./cache.js";
import { HarnessRoute } from "./harness-eval.js";
import {
  detectInputFormat,
  type InputFormat,
  readPredictions,
  readTrajectoryItems,
  type ValidationItem,
} from "./inputs.js";
import type { ValidateJobData } from "./job.js";
import { isEmptyPatch } from "./normalise.js";
import { runPool } from "./pool.js";
import { Progress, type ValidationCounts } from "./progress.js";
import { QueuedValidations, validateRunId } from "./queued.js";
import type { ParserName } from "./status.js";
import { buildSummary, type ValidationSummary } from "./summary.js";
import { sweepStaleValidateWork, VALIDATE_WORK_PREFIX } from "./sweep.js";
import { testCommandOf } from "./test-command.js";
import { reportWithoutRun, type ValidationReport, validateOne } from "./validate-one.js";

export interface ValidateRunOptions {
  /** Trajectories (sealign JSONL) or SWE-bench predictions. */
  input: string;
  /** The task file (SWE-bench / HumanEvalFix rows). */
  tasks: string;
  /** Output folder: trajectories.jsonl, report.json, summary.json, results.jsonl, logs/. */
  out: string;
  format?: InputFormat | "auto";
  workers?: number;
  /** Test time limit per validation, in seconds (default 300). */
  timeoutS?: number;
  parser?: ParserName | "auto";
  testCommand?: string;
  /** Verdict cache folder; null disables the cache. */
  cacheDir?: string | null;
  /** Local clones of repository tasks' repos (owner/name, owner__name or name beneath). */
  reposDir?: string;
  limits?: SandboxLimits;
  unsafeNoSandbox?: boolean;
  /** Where the tests run (default: local when every task has a local environment, else docker). */
  runtime?: RuntimeName;
  /**
   * Docker: reuse one warm container per instance image across patches, reset and verified clean
   * between them (default true); false opens a fresh container per patch, as the harness does.
   */
  warmContainers?: boolean;
  /** The docker runtime's image namespace (default swebench; SWE-Gym: xingyaoww). */
  imageNamespace?: string;
  /**
   * Run the tests on `sealign worker`s through this queue (docs/scale-out.md); this process
   * keeps the cache, the outputs and the resume.
   */
  queue?: QueueRunOptions;
  /** Where progress goes; null for none. */
  progress?: NodeJS.WriteStream | null;
  progressEveryMs?: number;
  /**
   * Start afresh in an output folder that holds another run's results (they are removed).
   * Without it such a folder is refused: only a resume of the same input may reuse it.
   */
  force?: boolean;
}

/** The result record of one item, appended to OUT/results.jsonl as soon as it is known. */
interface ResultRecord {
  id: string;
  task_id: string;
  key: string | null;
  report: ValidationReport;
}

/** A log file name for an id: readable, and unique even when unsafe characters are replaced. */
export function logName(id: string): string {
  return `${safeFileName(id, 100)}.log`;
}

/**
 * Validate every patch of INPUT against its task: the library form of `sealign validate`.
 * Resumable: each verdict is appended to OUT/results.jsonl when known, and a rerun skips the
 * ids already there (under the same settings). The verdict cache spans runs.
 */
export async function validateRun(options: ValidateRunOptions): Promise<ValidationSummary> {
  const started = Date.now();
  const out = resolve(options.out);
  const timeoutMs = Math.round((options.timeoutS ?? 300) * 1000);
  const parser = options.parser ?? "auto";
  const workers = Math.max(1, options.workers ?? 1);
  const tasks = new Map((await loadTasks(options.tasks)).map((t) => [t.instance_id, t] as const));
  const format =
    !options.format || options.format === "auto" ? await detectInputFormat(options.input) : options.format;
  const items =
    format === "trajectories"
      ? await readTrajectoryItems(options.input)
      : await readPredictions(options.input);

  // The output must not be the input (OUT/trajectories.jsonl is rewritten at the end).
  await refuseOutputAmongInputs(join(out, "trajectories.jsonl"), [options.input], "--out");
  // Scratch folders of killed runs (with bases and hidden tests) are removed first.
  await sweepStaleValidateWork();
  const workRoot = join(
    tmpdir(),
    `${VALIDATE_WORK_PREFIX}${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  );
  const hasLocalRepository = (task: Task) => {
    const path = repoPathIn(options.reposDir, task);
    return path !== undefined && existsSync(path);
  };
  // the coordinator of a queued run opens no environment: its workers do
  const runtimeName = options.queue
    ? "local"
    : await chooseRuntime(
        [...new Set(items.map((i) => tasks.get(i.taskId)))].filter((t): t is Task => t !== undefined),
        { requested: options.runtime, hasLocalRepository },
      );
  let runtime: Runtime;
  if (runtimeName === "docker") {
    const docker = new DockerRuntime({
      imageNamespace: options.imageNamespace,
      limits: options.limits?.memoryMiB ? { memoryMiB: options.limits.memoryMiB } : undefined,
      buildHint: (task) =>
        `sealign images build --tasks ${options.tasks} --repos <dir of local clones> --instance ${task.instance_id}${options.imageNamespace && options.imageNamespace !== "swebench" ? ` --namespace ${options.imageNamespace}` : ""}`,
    });
    await docker.ping(); // no daemon: exit 2 now, not one error per item
    runtime = docker;
  } else {
    runtime = new LocalRuntime({
      root: workRoot,
      repoPathOf: (task) => repoPathIn(options.reposDir, task),
      limits: options.limits,
      unsafeNoSandbox: options.unsafeNoSandbox,
    });
  }
  const bases = new BasePool(runtime, options.reposDir);
  // In docker, SWE-bench instances the swebench package has specs for run the harness's own
  // eval script in their image and are graded by the harness; other tasks keep sealign's parsers.
  const harness =
    runtimeName === "docker"
      ? await HarnessRoute.open(
          [...new Set(items.map((i) => tasks.get(i.taskId)))].filter((t): t is Task => t !== undefined),
          runtime,
          { reuse: options.warmContainers ?? true },
        )
      : null;
  // Check everything that would make the run fail half-way before running anything.
  const keys = new Map<string, string | null>();
  for (const item of items) {
    const task = tasks.get(item.taskId);
    if (!task)
      throw new InputError(`unknown task ${item.taskId} (not in ${options.tasks})`, {
        file: options.input,
        field: item.id,
      });
    if (isEmptyPatch(item.patch)) {
      keys.set(item.id, null);
      continue;
    }
    if (harness?.specs.has(task.instance_id)) {
      keys.set(
        item.id,
        verdictKey(task, item.patch!, { timeoutMs, parser: harness.grader, testCommand: null }),
      );
      continue;
    }
    testCommandOf(task, options.testCommand);
    if (!options.queue && runtimeName === "local" && !isInlineTask(task) && !bases.hasRepo(task)) {
      throw new InputError(
        `task ${task.instance_id} is a repository task: give --repos DIR holding a local clone of ${task.repo || "its repository"} (DIR/owner/name, DIR/owner__name or DIR/name)`,
        { file: options.tasks, field: "repo" },
      );
    }
    keys.set(
      item.id,
      verdictKey(task, item.patch!, { timeoutMs, parser, testCommand: options.testCommand ?? null }),
    );
  }

  // Resume: results already recorded under the same key are kept. A folder holding results of
  // other items (another input) is refused, unless --force: mixing them would leave
  // results.jsonl disagreeing with report.json.
  const resultsPath = join(out, "results.jsonl");
  if (options.force) await clearRun(out);
  else await refuseForeignRun(out, resultsPath, new Set(keys.keys()), options.input);
  const results = new Map<string, ResultRecord>();
  try {
    for await (const { value } of readJsonl(resultsPath, { tolerateTruncatedTail: true })) {
      const record = value as ResultRecord;
      if (keys.has(record.id) && keys.get(record.id) === record.key && record.report.error === null)
        results.set(record.id, record);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const { appender } = await JsonlAppender.open(resultsPath);

  const cache = options.cacheDir === null ? null : new VerdictCache(options.cacheDir ?? join(out, ".cache"));
  const counts: ValidationCounts = {
    total: items.length,
    done: 0,
    resolved: 0,
    cached: 0,
    empty: 0,
    timedOut: 0,
    errors: 0,
    testsRun: 0,
  };
  const count = (report: ValidationReport) => {
    counts.done++;
    if (report.resolved) counts.resolved++;
    if (report.cached) counts.cached++;
    if (!report.patch_exists) counts.empty++;
    if (report.timed_out) counts.timedOut++;
    if (report.error !== null) counts.errors++;
  };
  for (const record of results.values()) count(record.report);
  const resumed = results.size;
  const progress = new Progress(
    counts,
    options.progress === undefined ? process.stderr : options.progress,
    options.progressEveryMs,
  );

  // Identical patches share one verdict (unless the cache is off): the first item of each key
  // (its leader) is validated, the others wait for it. Leaders go first, grouped by task so that
  // each base lives briefly; followers go last, so that waiting never holds a worker while
  // there is work to start. Only leaders use a base.
  const byTask = (a: ValidationItem, b: ValidationItem) =>
    a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0;
  const pendingItems = items.filter((i) => !results.has(i.id)).sort(byTask);
  const leaders: ValidationItem[] = [];
  const followers: ValidationItem[] = [];
  const seenKeys = new Set<string>();
  for (const item of pendingItems) {
    const key = keys.get(item.id) ?? null;
    if (key !== null && cache && seenKeys.has(key)) followers.push(item);
    else leaders.push(item);
    if (key !== null) seenKeys.add(key);
  }
  const todo = [...leaders, ...followers];
  const inFlight = new Map<string, Promise<{ report: ValidationReport; log: string }>>();
  let deduplicated = 0;
  /** Test seconds the shared verdicts would have cost again. */
  let dedupedSeconds = 0;
  for (const item of leaders) if (keys.get(item.id) !== null) bases.expect(item.taskId);
  for (const item of leaders) if (keys.get(item.id) !== null) harness?.expect(item.taskId);

  const verdictFor = async (item: ValidationItem, task: Task, key: string) => {
    const running = cache ? inFlight.get(key) : undefined;
    if (running) {
      deduplicated++;
      const shared = await running;
      dedupedSeconds += shared.report.duration_s ?? 0;
      return { report: { ...shared.report, cached: true }, log: shared.log };
    }
    const promise = (async () => {
      try {
        if (remote?.has(item.id)) {
          // on the queue (its cache lookup, a miss, was made when it was enqueued)
          counts.testsRun++;
          const fresh = await remote.verdict(item.id);
          if (cache) await cache.put(key, task.instance_id, fresh.report, fresh.log);
          return fresh;
        }
        const hit = prefetched.get(key) ?? (cache ? await cache.get(key) : null);
        if (hit) return hit;
        const base = await bases.get(task).catch((error: Error) => error);
        if (base instanceof Error) {
          // no base for this task (e.g. its image is missing): recorded, and the run goes on
          const report = { ...reportWithoutRun(item.patch), patch_exists: true, error: base.message };
          return { report, log: `instance: ${task.instance_id}\n== harness error: ${base.message}` };
        }
        counts.testsRun++;
        if (harness?.specs.has(task.instance_id)) {
          const graded = await harness.validate(task, item.patch!, base, timeoutMs);
          await harness.done(task.instance_id);
          const fresh = { report: graded.report as ValidationReport, log: graded.log };
          if (cache && fresh.report.error === null)
            await cache.put(key, task.instance_id, fresh.report, fresh.log);
          return fresh;
        }
        const fresh = await validateOne(task, item.patch!, base, {
          runtime,
          timeoutMs,
          parser,
          testCommand: options.testCommand,
          workRoot,
          limits: options.limits,
          unsafeNoSandbox: options.unsafeNoSandbox,
        });
        if (cache) await cache.put(key, task.instance_id, fresh.report, fresh.log);
        return fresh;
      } finally {
        await bases.release(task.instance_id);
      }
    })();
    inFlight.set(key, promise);
    return promise;
  };

  // With a queue, every leader that needs a test run (no cached verdict) becomes a job now.
  const prefetched = new Map<string, { report: ValidationReport; log: string }>();
  let remote: QueuedValidations | null = null;
  if (options.queue) {
    const runId = validateRunId(out);
    const units: ValidateJobData[] = [];
    for (const item of leaders) {
      const key = keys.get(item.id) ?? null;
      if (key === null) continue;
      const hit = cache ? await cache.get(key) : null;
      if (hit) prefetched.set(key, hit);
      else
        units.push({
          runId,
          task: tasks.get(item.taskId)!,
          itemId: item.id,
          patch: item.patch!,
          timeoutMs,
          parser,
          testCommand: options.testCommand,
          limits: options.limits,
        });
    }
    remote = new QueuedValidations(options.queue, runId, units, (status) => {
      progress.queue = { workers: status.workers, running: status.active };
      progress.tick();
    });
    remote.start();
  }

  // Interrupted (Ctrl-C, kill): remove the workspaces (a repository base can be large) and die
  // of the same signal; results.jsonl already holds every verdict reached, for the rerun.
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(workRoot, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  progress.tick(true);
  try {
    // (with a queue every item waits at once: the workers, not this process, bound the work)
    await runPool(todo, remote ? Math.max(1, todo.length) : workers, async (item) => {
      const task = tasks.get(item.taskId)!;
      const key = keys.get(item.id) ?? null;
      let verdict: { report: ValidationReport; log: string };
      if (key === null) {
        verdict = {
          report: reportWithoutRun(item.patch),
          log: `instance: ${item.taskId}\n== verdict: ${item.patch === null ? "no patch (None)" : "empty patch"}: decided without running`,
        };
      } else {
        verdict = await verdictFor(item, task, key);
      }
      const report: ValidationReport = { ...verdict.report, log_path: `logs/${logName(item.id)}` };
      await writeFileAtomic(join(out, report.log_path!), `${verdict.log}\n`);
      const record: ResultRecord = { id: item.id, task_id: item.taskId, key, report };
      await appender.append(record);
      results.set(item.id, record);
      remote?.stored(item.id);
      count(report);
      progress.tick();
    });
  } finally {
    progress.finish();
    await remote?.close();
    await harness?.close();
    await bases.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await rm(workRoot, { recursive: true, force: true });
  }

  // Outputs: per-instance report (SWE-bench shape, keyed by id), summary, and the trajectories.
  const reports: Record<string, ValidationReport> = {};
  for (const item of items) reports[item.id] = results.get(item.id)!.report;
  await writeFileAtomic(join(out, "report.json"), `${JSON.stringify(reports, null, 2)}\n`);
  if (format === "trajectories") {
    const writer = new JsonlWriter(join(out, "trajectories.jsonl"));
    try {
      for await (const trajectory of readTrajectories(options.input)) {
        const report = reports[trajectory.id]!;
        trajectory.outcome.resolved = report.error !== null ? null : report.resolved;
        trajectory.outcome.report = report as unknown as typeof trajectory.outcome.report;
        await writer.write(trajectory);
      }
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }
  const summary = buildSummary({
    items,
    reports,
    totalInstances: tasks.size,
    taskIds: [...tasks.keys()],
    counts,
    cache: {
      dir: cache?.dir ?? null,
      hits: cache?.hits ?? 0,
      deduplicated,
      saved_seconds: Math.round(((cache?.savedSeconds ?? 0) + dedupedSeconds) * 10) / 10,
      tests_run: counts.testsRun,
      resumed,
      bases_built: bases.built,
    },
    provenance: {
      sealign_version: SEALIGN_VERSION,
      created_at: new Date().toISOString(),
      input: resolve(options.input),
      input_format: format,
      tasks: resolve(options.tasks),
      settings: {
        workers,
        timeout_s: timeoutMs / 1000,
        parser,
        test_command: options.testCommand ?? null,
        sandbox: !options.unsafeNoSandbox,
        ...(harness
          ? {
              swebench_grader: harness.grader,
              swebench_graded_tasks: harness.specs.size,
              warm_containers: options.warmContainers ?? true,
              containers_opened: harness.containers.opened,
              containers_reused: harness.containers.reused,
              containers_discarded: harness.containers.discarded,
            }
          : {}),
      },
    },
    wallSeconds: (Date.now() - started) / 1000,
  });
  await writeFileAtomic(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

/** The files a validate run writes in its output folder (the cache may live there too). */
const RUN_FILES = [
  "results.jsonl",
  "report.json",
  "summary.json",
  "trajectories.jsonl",
  "agreement.json",
  "logs",
];

/**
 * Refuse an output folder that holds another run: results.jsonl with an id this input does not
 * have, or a validate report without results.jsonl (an older or foreign folder).
 */
async function refuseForeignRun(
  out: string,
  resultsPath: string,
  ids: Set<string>,
  input: string,
): Promise<void> {
  const advice = "choose another --out, or give --force to replace that run";
  if (!existsSync(resultsPath)) {
    const found = RUN_FILES.filter((name) => name !== "logs" && existsSync(join(out, name)));
    if (found.length > 0)
      throw new InputError(`--out already holds ${found.join(", ")} of another run: ${advice}`, {
        file: out,
      });
    return;
  }
  for await (const { value, line } of readJsonl(resultsPath, { tolerateTruncatedTail: true })) {
    const id = (value as { id?: unknown }).id;
    if (typeof id !== "string" || !ids.has(id))
      throw new InputError(
        `holds the result of ${typeof id === "string" ? id : "a record"} (line ${line}), which is not in ${input}: the folder is another run's; ${advice}`,
        { file: resultsPath },
      );
  }
}

/** --force: remove the earlier run's files (never anything else in the folder). */
async function clearRun(out: string): Promise<void> {
  for (const name of RUN_FILES) await rm(join(out, name), { recursive: true, force: true });
}

/** Read a validate output folder's per-instance report. */
export async function readReport(out: string): Promise<Record<string, ValidationReport>> {
  return JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Record<string, ValidationReport>;
}
