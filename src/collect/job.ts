/**
 * One episode of a collection run as a self-contained job: everything it needs travels in
 * `CollectJobData` (the task record, sample index and seed, model SPEC and sampling, prompt
 * texts, limits), so that a local run and a queue worker on another machine run it with the
 * same code (`runCollectJob`). Secrets never travel: the worker's provider reads its API key
 * from its own environment.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Episode, type EpisodeOptions, type ReplaySpec } from "../agent/episode.js";
import { writeFileAtomic } from "../io/atomic.js";
import { safeFileName } from "../io/names.js";
import type { PromptTemplates } from "../prompts/templates.js";
import type { ModelProvider, Sampling } from "../providers/types.js";
import { LocalRuntime } from "../runtime/local.js";
import type { Runtime, TaskBase } from "../runtime/types.js";
import type { BaseWorkspace } from "../sandbox/workspace.js";
import type { Task } from "../schema/task.js";
import type { Trajectory } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";
import { buildTrajectory } from "../trajectories/build.js";
import { verdictKey } from "../validate/cache.js";
import { isEmptyPatch } from "../validate/normalise.js";
import { reportWithoutRun, type ValidationReport, validateOne } from "../validate/validate-one.js";

/** The episode settings that travel with a job (JSON; no secrets, no host paths). */
export type CollectEpisodeSettings = Pick<
  EpisodeOptions,
  "maxTurns" | "contextTokens" | "wallClockMs" | "stuckRepeat" | "limits" | "maxProcesses" | "bash"
>;

/** Provider options that travel with a job: never the API key (the worker's environment has it). */
export interface PortableProviderOptions {
  baseUrl?: string;
  timeoutMs?: number;
  maxRetries?: number;
  threads?: number;
  contextSize?: number;
  maxArgumentChars?: number;
}

/** Everything one episode needs. */
export interface CollectJobData {
  runId: string;
  task: Task;
  sample: number;
  /** The episode's seed (`episodeSeed(base, task, sample)`). */
  seed: number;
  /** Model SPEC (`openai:MODEL`, `sim`, ...). */
  model: string;
  providerOptions: PortableProviderOptions;
  sampling: Omit<Sampling, "seed">;
  templates: PromptTemplates;
  episode: CollectEpisodeSettings;
  /** Validate the patch right after the episode (collect --validate). */
  validate: { timeoutMs: number; testCommand?: string } | null;
  /** A tree-search branch: the recorded prefix to replay first (`runCollectJob` then throws `ReplayDiverged` when it diverges). */
  replay?: ReplaySpec;
}

/** What the machine running the job supplies. */
export interface CollectJobContext {
  provider: ModelProvider;
  /** The task's prepared base (shared by its samples on that machine). */
  base: TaskBase | BaseWorkspace;
  /**
   * The runtime that prepared `base`, which opens the episode's (and its validation's)
   * environments; default: a local runtime over `workRoot` with the job's limits.
   */
  runtime?: Runtime;
  /** Folder for the episode's (and its validation's) workspaces. */
  workRoot: string;
  unsafeNoSandbox?: boolean;
  signal?: AbortSignal;
  onStep?: EpisodeOptions["onStep"];
  /**
   * Verdicts already computed in this process, by verdict key (the validate stage's, over the
   * normalised patch): an episode whose patch another one of the run already submitted reuses
   * its verdict (`report.cached`) instead of running the tests again. A tree search's branches
   * often end in the same patch. Harness errors are not kept (they are retried).
   */
  verdicts?: Map<string, Promise<{ report: ValidationReport; log: string }>>;
}

/** An episode's trajectory, and the test log of its validation (to be stored by the caller). */
export interface CollectJobResult {
  trajectory: Trajectory;
  validationLog: string | null;
}

/** The trajectory id of an episode: stable, so a rerun of the same unit has the same id. */
export function episodeIdOf(runId: string, taskId: string, sample: number): string {
  return `${runId}/${taskId}/${sample}`;
}

/**
 * Run one episode in an environment opened (and closed) here from the task's base, and, when
 * asked, validate its patch in a fresh environment from the same base.
 */
export async function runCollectJob(
  data: CollectJobData,
  context: CollectJobContext,
): Promise<CollectJobResult> {
  const ownRuntime = context.runtime
    ? null
    : new LocalRuntime({
        root: context.workRoot,
        limits: data.episode.limits,
        maxProcesses: data.episode.maxProcesses,
        unsafeNoSandbox: context.unsafeNoSandbox,
      });
  const runtime = context.runtime ?? (ownRuntime as LocalRuntime);
  const base = "task" in context.base ? context.base : { task: data.task, ...context.base };
  try {
    const startedAt = Date.now();
    const env = await runtime.open(base, { name: data.task.instance_id });
    let trajectory: Trajectory;
    try {
      const { maxTurns, contextTokens, wallClockMs, stuckRepeat, bash } = data.episode;
      ({ trajectory } = await new Episode({
        ...{ maxTurns, contextTokens, wallClockMs, stuckRepeat, bash },
        task: data.task,
        provider: context.provider,
        env,
        startedAt,
        sampling: data.sampling,
        seed: data.seed,
        sampleIndex: data.sample,
        runId: data.runId,
        episodeId: episodeIdOf(data.runId, data.task.instance_id, data.sample),
        templates: data.templates,
        signal: context.signal,
        onStep: context.onStep,
        replay: data.replay,
      }).run());
    } finally {
      await env.close();
    }
    if (!data.validate || (context.signal?.aborted && trajectory.outcome.exit_detail === "aborted"))
      return { trajectory, validationLog: null };
    return await validateTrajectory(trajectory, data.task, base, data.validate, runtime, context.verdicts);
  } finally {
    await ownRuntime?.close();
  }
}

/**
 * Run the task's tests on an episode's patch with the validate stage's library and record the
 * verdict (SWE-bench report) on the trajectory. A harness failure leaves `resolved` unknown.
 */
async function validateTrajectory(
  trajectory: Trajectory,
  task: Task,
  base: TaskBase,
  settings: { timeoutMs: number; testCommand?: string },
  runtime: Runtime,
  verdicts?: CollectJobContext["verdicts"],
): Promise<CollectJobResult> {
  const patch = trajectory.patch;
  let report: ValidationReport;
  let log = "";
  if (patch === null || isEmptyPatch(patch)) {
    report = reportWithoutRun(patch);
  } else {
    const run = () =>
      validateOne(task, patch, base, {
        runtime,
        timeoutMs: settings.timeoutMs,
        testCommand: settings.testCommand,
      });
    const key = verdicts
      ? verdictKey(task, patch, {
          timeoutMs: settings.timeoutMs,
          parser: "collect",
          testCommand: settings.testCommand ?? null,
        })
      : null;
    const known = key === null ? undefined : verdicts?.get(key);
    if (known) {
      ({ report, log } = await known);
      report = { ...report, cached: true };
    } else {
      const running = run();
      if (key !== null) verdicts?.set(key, running);
      let fresh: { report: ValidationReport; log: string } | null = null;
      try {
        fresh = await running;
      } finally {
        // a harness error (or a throw) says nothing about the patch: the next one runs the tests
        if (key !== null && (fresh === null || fresh.report.error !== null)) verdicts?.delete(key);
      }
      ({ report, log } = fresh);
    }
  }
  const resolved = report.error ? null : report.resolved;
  return {
    trajectory: parseTrajectory({ ...trajectory, outcome: { ...trajectory.outcome, resolved, report } }),
    validationLog: log || null,
  };
}

/**
 * Store a job's validation log as LOGS_DIR/TASK.SAMPLE.log and point the trajectory's report at
 * it; a trajectory without a log is returned as it is. TASK is the task id made safe with a hash
 * where it had to be cleaned, so two task ids never share a log file.
 */
export async function storeValidationLog(result: CollectJobResult, logsDir: string): Promise<Trajectory> {
  const { trajectory, validationLog } = result;
  if (!validationLog || !trajectory.outcome.report) return trajectory;
  const logPath = join(
    logsDir,
    `${safeFileName(trajectory.task_id)}.${trajectory.provenance.sample_index}.log`,
  );
  await mkdir(logsDir, { recursive: true });
  await writeFileAtomic(logPath, validationLog);
  return parseTrajectory({
    ...trajectory,
    outcome: { ...trajectory.outcome, report: { ...trajectory.outcome.report, log_path: logPath } },
  });
}

/**
 * The record of an episode whose job failed on every attempt (e.g. its base could not be
 * prepared on the worker, or each worker running it died): an error episode, so the run is
 * complete and says what went wrong; a resume that retries errors runs it again.
 */
export function failedJobTrajectory(data: CollectJobData, reason: string, attempts: number): Trajectory {
  return buildTrajectory({
    id: episodeIdOf(data.runId, data.task.instance_id, data.sample),
    task_id: data.task.instance_id,
    provenance: {
      scaffold: "sealign",
      model: data.model,
      sampling: { ...data.sampling, seed: data.seed },
      run_id: data.runId,
      sample_index: data.sample,
      created_at: new Date().toISOString(),
    },
    tools: [],
    messages: [],
    patch: null,
    outcome: {
      resolved: null,
      exit_reason: "sandbox_error",
      exit_detail: `queue: the job failed after ${attempts} attempt(s): ${reason}`.slice(0, 2000),
      report: null,
      labels: [],
    },
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, seconds: 0, tool_errors: 0 },
    metadata: { queue: { attempts, failed: true } },
  });
}

/** The part of a run's episode options that travels with each job. */
export function episodeSettingsOf(episode: EpisodeOptions | undefined): CollectEpisodeSettings {
  const settings: CollectEpisodeSettings = {};
  for (const key of [
    "maxTurns",
    "contextTokens",
    "wallClockMs",
    "stuckRepeat",
    "limits",
    "maxProcesses",
    "bash",
  ] as const) {
    if (episode?.[key] !== undefined) (settings as Record<string, unknown>)[key] = episode[key];
  }
  return settings;
}

/** Provider options without the API key or anything that is not plain data. */
export function portableProviderOptions(
  options: Record<string, unknown> | undefined,
): PortableProviderOptions {
  const portable: PortableProviderOptions = {};
  for (const key of [
    "baseUrl",
    "timeoutMs",
    "maxRetries",
    "threads",
    "contextSize",
    "maxArgumentChars",
  ] as const) {
    const value = options?.[key];
    if (value !== undefined) (portable as Record<string, unknown>)[key] = value;
  }
  return portable;
}
