import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type EpisodeOptions, ReplayDiverged, type ReplaySpec } from "../agent/episode.js";
import { InputError } from "../errors.js";
import { JsonlAppender } from "../io/append.js";
import { JsonlWriter } from "../io/atomic.js";
import { readJsonl } from "../io/jsonl.js";
import type { PromptOverrides } from "../prompts/templates.js";
import { loadPromptTemplates } from "../prompts/templates.js";
import { createProvider, type ProviderOptions } from "../providers/registry.js";
import type { ModelProvider, Sampling } from "../providers/types.js";
import { DockerRuntime } from "../runtime/docker.js";
import { LocalRuntime } from "../runtime/local.js";
import { chooseRuntime, type RuntimeName } from "../runtime/select.js";
import type { TaskBase } from "../runtime/types.js";
import { isInlineTask, type Task } from "../schema/task.js";
import type { Trajectory } from "../schema/trajectory.js";
import { searchCollect } from "../search/collect.js";
import type { SearchUnit, UnitOutcome } from "../search/task-search.js";
import { loadTasks } from "../tasks/load.js";
import { readTrajectories } from "../trajectories/read.js";
import { SEALIGN_VERSION } from "../version.js";
import {
  type CollectJobContext,
  type CollectJobData,
  episodeSettingsOf,
  portableProviderOptions,
  runCollectJob,
  storeValidationLog,
} from "./job.js";
import {
  checkResumable,
  episodeSeed,
  type RunManifest,
  readManifest,
  sha256File,
  TRAJECTORIES_FILE,
  writeManifest,
} from "./manifest.js";
import { ProgressDisplay, type ProgressState } from "./progress.js";
import { collectOverQueue, type QueueRunOptions } from "./queued.js";

/** A whole collection run: N episodes per task, C at a time, into RUN_DIR. */
export interface CollectOptions {
  tasksFile: string;
  /** Model SPEC (`openai:MODEL`, `embedded:PATH`, `sim`...), or a ready provider. */
  model: string | ModelProvider;
  providerOptions?: ProviderOptions;
  samples: number;
  concurrency?: number;
  runDir: string;
  sampling?: Omit<Sampling, "seed">;
  /** Base seed (default 0). */
  seed?: number;
  /** Only these instance ids (in task-file order). */
  instanceIds?: string[];
  /** Only the first this many tasks. */
  limit?: number;
  /** Folder of local clones for repository tasks: DIR/owner/name, DIR/owner__name or DIR/name. */
  reposDir?: string;
  /** Where episodes run (default: local when every task has a local environment, else docker). */
  runtime?: RuntimeName;
  /** The docker runtime's image namespace (default swebench; SWE-Gym: xingyaoww). */
  imageNamespace?: string;
  prompts?: PromptOverrides;
  episode?: Omit<
    EpisodeOptions,
    "sampling" | "seed" | "sampleIndex" | "runId" | "templates" | "base" | "signal" | "onStep" | "episodeId"
  >;
  /** Stops the run; finished episodes stay recorded. */
  signal?: AbortSignal;
  /** Progress display (default: one on stderr); null for none. */
  progress?: ProgressDisplay | null;
  /**
   * Validate each episode's patch right after it (the validate stage's `validateOne` on the same
   * base): fills `outcome.resolved` / `outcome.report` and shows resolved-so-far.
   */
  validate?: { timeoutMs: number; testCommand?: string };
  /** Called with each trajectory once it is safely appended. */
  onTrajectory?: (trajectory: Trajectory) => void;
  /**
   * On resume, run again the episodes that ended in `model_error` or `sandbox_error` (default
   * true): their lines move from trajectories.jsonl to retried.jsonl, so the run keeps one line
   * per (task, sample). False keeps them as results.
   */
  retryErrors?: boolean;
  /**
   * Run the episodes on `sealign worker`s through this queue instead of here: this process
   * becomes the run's coordinator (docs/scale-out.md). `model` must then be a SPEC.
   */
  queue?: QueueRunOptions;
  /**
   * How the episodes are spent (docs/search.md): "independent" (default, the paper's) runs
   * `samples` episodes per task from the root; "tree" grows each task's tree where its decisions
   * are uncertain, starting branches from recorded states, until the task's model turns reach
   * `budget`. The tree search needs each episode's test outcome: `validate` is required.
   */
  strategy?: CollectStrategy;
  /** Tree search: model turns per task (default: `samples` × the mean model turns of the task's initial episodes). */
  budget?: number;
}

/** `collect --strategy`. */
export type CollectStrategy = "independent" | "tree";

export interface CollectSummary {
  runDir: string;
  runId: string;
  /** Episodes run by this call. */
  ran: number;
  /** Episodes already in the run directory before it. */
  alreadyDone: number;
  total: number;
  byExitReason: Record<string, number>;
  /** Tree search only: model turns spent (all tasks) and replays that diverged. */
  search?: { turns: number; divergences: number };
}

/**
 * Run (or resume) a collection. Each finished episode is appended as one fsynced line to
 * RUN_DIR/trajectories.jsonl; on restart the complete lines are counted per (task,
 * sample_index) and only the missing episodes run, so a run killed at any moment finishes with
 * exactly N trajectories per task.
 */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  const runDir = resolve(options.runDir);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  if (!Number.isInteger(options.samples) || options.samples < 1)
    throw new RangeError("samples must be a positive integer");
  const strategy = options.strategy ?? "independent";
  if (strategy === "tree") checkTreeOptions(options);
  let tasks = await loadTasks(options.tasksFile);
  if (options.instanceIds?.length) {
    const wanted = new Set(options.instanceIds);
    tasks = tasks.filter((t) => wanted.has(t.instance_id));
  }
  if (options.limit !== undefined) tasks = tasks.slice(0, options.limit);
  if (tasks.length === 0)
    throw new InputError("no tasks to run (check --instance / --limit)", { file: options.tasksFile });
  // a repository task needs a local clone: say so before anything runs, not when its turn comes
  // (with a queue, the workers check their own clones: a job that cannot find one fails there)
  // (a repository task without a clone runs in its instance image when docker is chosen)
  const runtimeName = options.queue
    ? "local"
    : await chooseRuntime(tasks, {
        requested: options.runtime,
        hasLocalRepository: (t) => cloneOf(t, options) !== undefined,
      });
  const missing =
    options.queue || runtimeName === "docker"
      ? []
      : tasks.filter((t) => !isInlineTask(t) && !cloneOf(t, options));
  if (missing.length) {
    throw new InputError(
      `${missing.length} task(s) carry no inline files and have no local clone (e.g. ${missing[0]?.instance_id} of ${missing[0]?.repo || "?"}); give --repos DIR (clones as DIR/owner/name, DIR/owner__name or DIR/name) or --repo-path CLONE`,
      { file: options.tasksFile },
    );
  }
  const templates = loadPromptTemplates(options.prompts);
  if (options.queue && typeof options.model !== "string")
    throw new TypeError("collect over a queue needs a model SPEC (workers make their own provider)");
  // the coordinator of a queued run makes no provider: its workers do (an embedded model
  // would otherwise be loaded here for nothing)
  const provider = options.queue
    ? null
    : typeof options.model === "string"
      ? await createProvider(options.model, options.providerOptions)
      : options.model;
  const ownProvider = typeof options.model === "string";
  const modelName = provider?.name ?? (options.model as string);
  const baseSeed = options.seed ?? 0;
  const sampling = { ...options.sampling };

  await mkdir(runDir, { recursive: true });
  const previous = await readManifest(runDir);
  const manifest: RunManifest = {
    schema_version: "sealign.collect-run/1",
    run_id:
      previous?.run_id ??
      `run-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`,
    created_at: previous?.created_at ?? new Date().toISOString(),
    sealign_version: previous?.sealign_version ?? SEALIGN_VERSION,
    node_version: process.version,
    tasks_file: resolve(options.tasksFile),
    tasks_sha256: await sha256File(options.tasksFile),
    task_count: tasks.length,
    model: modelName,
    // more samples extend an independent run; a tree search's samples set its budget (checked on resume)
    samples: strategy === "tree" ? options.samples : Math.max(options.samples, previous?.samples ?? 0),
    seed: baseSeed,
    sampling,
    config: {
      concurrency,
      ...(options.queue
        ? { queue: { name: options.queue.queueName ?? null, attempts: options.queue.attempts ?? 3 } }
        : {}),
      instance_ids: options.instanceIds ?? null,
      repos_dir: options.reposDir ?? null,
      runtime: runtimeName,
      ...(runtimeName === "docker" ? { image_namespace: options.imageNamespace ?? "swebench" } : {}),
      validate: options.validate ?? null,
      limit: options.limit ?? null,
      prompts: templates.sources,
      episode: { ...options.episode },
      strategy,
      ...(strategy === "tree" ? { budget: options.budget ?? null } : {}),
      seed_rule: "sha256(seed, instance_id, sample_index) -> first 31 bits",
    },
    resumes: previous?.resumes ?? [],
  };
  if (previous) checkResumable(previous, manifest, runDir);

  // what is already there
  const trajectoriesPath = join(runDir, TRAJECTORIES_FILE);
  const { appender } = await JsonlAppender.open(trajectoriesPath);
  const done = new Set<string>();
  /** The tree search decides from the trajectories themselves, so they are kept (one run's worth). */
  const existing: Trajectory[] = [];
  const state: ProgressState = {
    total: 0,
    done: 0,
    running: 0,
    resolved: options.validate ? 0 : null,
    tokens: 0,
    errors: 0,
    toolErrors: 0,
    resumed: 0,
  };
  // Episodes that failed for the model's or the sandbox's sake are retried: their lines leave
  // the results file first, so that a retried episode never has two lines.
  // (a tree search keeps them: its later decisions were made from them, docs/search.md)
  if (options.retryErrors !== false && strategy === "independent" && existsSync(trajectoriesPath)) {
    const moved = await moveErrorEpisodes(trajectoriesPath, join(runDir, RETRIED_FILE));
    if (moved > 0 && options.progress !== null)
      process.stderr.write(
        `collect: retrying ${moved} episode(s) that ended in model_error or sandbox_error (their lines are kept in ${RETRIED_FILE})\n`,
      );
  }
  if (existsSync(trajectoriesPath)) {
    for await (const t of readTrajectories(trajectoriesPath, { tolerateTruncatedTail: true })) {
      done.add(`${t.task_id}\0${t.provenance.sample_index}`);
      if (strategy === "tree") existing.push(t);
      if (state.resolved !== null && t.outcome.resolved) state.resolved++;
      state.tokens += t.usage.total_tokens ?? 0;
      state.toolErrors += t.usage.tool_errors;
      if (t.outcome.exit_reason === "model_error" || t.outcome.exit_reason === "sandbox_error")
        state.errors++;
    }
  }
  if (previous)
    manifest.resumes.push({
      at: new Date().toISOString(),
      done: done.size,
      sealign_version: SEALIGN_VERSION,
    });
  await writeManifest(runDir, manifest);

  const pending: { task: Task; sample: number }[] = [];
  for (const task of strategy === "tree" ? [] : tasks) {
    for (let sample = 0; sample < options.samples; sample++) {
      if (!done.has(`${task.instance_id}\0${sample}`)) pending.push({ task, sample });
    }
  }
  state.total = strategy === "tree" ? done.size : tasks.length * options.samples;
  state.done = state.total - pending.length;
  state.resumed = state.done;
  const alreadyDone = state.done;

  // workspaces of a killed run are stale: start clean
  const workRoot = join(runDir, "work");
  await rm(workRoot, { recursive: true, force: true });
  await mkdir(workRoot, { recursive: true });
  // one runtime for the run: it prepares each task's base and opens every episode's environment
  const runtime =
    runtimeName === "docker"
      ? new DockerRuntime({
          imageNamespace: options.imageNamespace,
          runId: manifest.run_id,
          limits: {
            ...(options.episode?.limits?.memoryMiB ? { memoryMiB: options.episode.limits.memoryMiB } : {}),
            ...(options.episode?.maxProcesses ? { pidsLimit: options.episode.maxProcesses } : {}),
          },
          buildHint: (task) =>
            `sealign images build --tasks ${options.tasksFile} --repos <dir of local clones> --instance ${task.instance_id}${options.imageNamespace && options.imageNamespace !== "swebench" ? ` --namespace ${options.imageNamespace}` : ""}`,
        })
      : new LocalRuntime({
          root: workRoot,
          repoPathOf: (task) => cloneOf(task, options),
          limits: options.episode?.limits,
          maxProcesses: options.episode?.maxProcesses,
          unsafeNoSandbox: options.episode?.unsafeNoSandbox,
        });
  if (runtime instanceof DockerRuntime) await runtime.ping(); // no daemon: exit 2 before any episode
  await runtime.sweep();

  // one base workspace per task, shared by its samples, removed after its last one
  const remaining = new Map<string, number>();
  for (const { task } of pending) remaining.set(task.instance_id, (remaining.get(task.instance_id) ?? 0) + 1);
  const bases = new Map<string, Promise<TaskBase>>();
  const baseOf = (task: Task) => {
    let base = bases.get(task.instance_id);
    if (!base) {
      base = runtime.prepare(task);
      bases.set(task.instance_id, base);
    }
    return base;
  };

  /** A task's last episode is done: its base goes. */
  const releaseBase = async (task: Task) => {
    const base = bases.get(task.instance_id);
    bases.delete(task.instance_id);
    if (base) await base.then((b) => runtime.release(b)).catch(() => undefined);
  };

  const progress = options.progress === undefined ? new ProgressDisplay() : options.progress;
  progress?.update(state);
  progress?.start();
  const byExitReason: Record<string, number> = {};
  let ran = 0;
  let next = 0;
  let failure: unknown = null;
  const logsDir = join(runDir, "logs");
  const episodeSettings = episodeSettingsOf(options.episode);
  const portable = portableProviderOptions(options.providerOptions);
  const jobData = (task: Task, sample: number): CollectJobData => ({
    runId: manifest.run_id,
    task,
    sample,
    seed: episodeSeed(baseSeed, task.instance_id, sample),
    model: modelName,
    providerOptions: portable,
    sampling,
    templates,
    episode: episodeSettings,
    validate: options.validate ?? null,
  });
  /** Count an appended trajectory. */
  const recorded = (trajectory: Trajectory) => {
    ran++;
    state.done++;
    state.toolErrors += trajectory.usage.tool_errors;
    if (trajectory.outcome.resolved) state.resolved = (state.resolved ?? 0) + 1;
    const reason = trajectory.outcome.exit_reason;
    byExitReason[reason] = (byExitReason[reason] ?? 0) + 1;
    if (reason === "model_error" || reason === "sandbox_error") state.errors++;
    options.onTrajectory?.(trajectory);
    progress?.update(state);
  };

  if (options.queue) {
    // coordinator: the workers run the episodes; this process records their results
    try {
      await collectOverQueue({
        queue: options.queue,
        runId: manifest.run_id,
        units: pending.map(({ task, sample }) => jobData(task, sample)),
        done,
        logsDir,
        appender,
        record: (trajectory) => {
          state.tokens += trajectory.usage.total_tokens ?? 0;
          recorded(trajectory);
        },
        onStatus: (status) => {
          state.running = status.active;
          state.workers = status.workers;
          progress?.update(state);
        },
        signal: options.signal,
      });
    } finally {
      state.running = 0;
      progress?.update(state);
      progress?.stop();
      await rm(workRoot, { recursive: true, force: true });
    }
    return { runDir, runId: manifest.run_id, ran, alreadyDone, total: state.total, byExitReason };
  }

  // identical patches of the run share one test run (src/collect/job.ts)
  const verdicts: NonNullable<CollectJobContext["verdicts"]> = new Map();
  /**
   * Run one episode with the same job function a queue worker runs (src/collect/job.ts), then
   * store and count it; null when the user's stop cut it short (it is rerun on resume).
   */
  const runAndRecord = async (
    task: Task,
    sample: number,
    replay?: ReplaySpec,
  ): Promise<Trajectory | null> => {
    const base = await baseOf(task);
    let tokensBefore = 0;
    const result = await runCollectJob(
      { ...jobData(task, sample), ...(replay ? { replay } : {}) },
      {
        verdicts,
        provider: provider as ModelProvider,
        base,
        runtime,
        workRoot,
        unsafeNoSandbox: options.episode?.unsafeNoSandbox,
        signal: options.signal,
        onStep: ({ tokens }) => {
          state.tokens += tokens - tokensBefore;
          tokensBefore = tokens;
          progress?.update(state);
        },
      },
    );
    if (options.signal?.aborted && result.trajectory.outcome.exit_detail === "aborted") return null;
    const trajectory = await storeValidationLog(result, logsDir);
    await appender.append(trajectory);
    recorded(trajectory);
    return trajectory;
  };

  /** One episode of the tree search (src/search/): from the root, or a branch replaying a recorded prefix. */
  const runSearchUnit = async (unit: SearchUnit): Promise<UnitOutcome> => {
    state.running++;
    state.total++;
    progress?.update(state);
    try {
      const trajectory = await runAndRecord(unit.task, unit.sample, unit.replay ?? undefined);
      return trajectory ? { kind: "trajectory", trajectory } : null;
    } catch (error) {
      // a replay cut by the user's stop is not a divergence: the branch runs again on resume
      if (options.signal?.aborted) return null;
      if (error instanceof ReplayDiverged) return { kind: "diverged", divergence: error.divergence };
      throw error;
    } finally {
      state.running--;
      progress?.update(state);
    }
  };

  const runSearch = async (): Promise<NonNullable<CollectSummary["search"]>> => {
    const summary = await searchCollect({
      tasks,
      samples: options.samples,
      budget: options.budget ?? null,
      seed: baseSeed,
      runDir,
      concurrency,
      existing,
      runUnit: runSearchUnit,
      onTaskDone: releaseBase,
      onProgress: (search) => {
        state.search = search;
        progress?.update(state);
      },
      signal: options.signal,
    });
    state.total = state.done;
    return { turns: summary.turns, divergences: summary.divergences };
  };

  async function worker(): Promise<void> {
    while (next < pending.length && !options.signal?.aborted && failure === null) {
      const { task, sample } = pending[next++] as { task: Task; sample: number };
      state.running++;
      progress?.update(state);
      try {
        await runAndRecord(task, sample);
      } catch (error) {
        failure ??= error;
      } finally {
        state.running--;
        progress?.update(state);
        const left = (remaining.get(task.instance_id) ?? 1) - 1;
        remaining.set(task.instance_id, left);
        if (left === 0) await releaseBase(task);
      }
    }
  }

  let search: CollectSummary["search"];
  try {
    if (strategy === "tree") search = await runSearch();
    else
      await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, worker));
  } finally {
    progress?.stop();
    for (const base of bases.values()) await base.then((b) => runtime.release(b)).catch(() => undefined);
    await runtime.close();
    await rm(workRoot, { recursive: true, force: true });
    if (ownProvider) await provider?.close?.();
  }
  if (failure !== null) throw failure;
  return {
    runDir,
    runId: manifest.run_id,
    ran,
    alreadyDone,
    total: state.total,
    byExitReason,
    ...(search ? { search } : {}),
  };
}

/** What `--strategy tree` needs before anything runs (bad settings exit 2, naming the flag). */
function checkTreeOptions(options: CollectOptions): void {
  if (!options.validate)
    throw new InputError(
      "--strategy tree chooses where to branch from each episode's test outcome: it needs --validate",
      { field: "--validate" },
    );
  if (options.queue)
    throw new InputError(
      "--strategy tree runs its rounds in this process (each depends on the last); it cannot use --queue yet",
      { field: "--queue" },
    );
  if (options.budget !== undefined && (!Number.isInteger(options.budget) || options.budget < 1))
    throw new InputError(`--budget must be a whole number of model turns >= 1, not ${options.budget}`, {
      field: "--budget",
    });
}

/** Where the lines of retried error episodes go (kept, never lost). */
export const RETRIED_FILE = "retried.jsonl";

const RETRIED_REASONS = new Set(["model_error", "sandbox_error"]);

/**
 * Move the lines of episodes that ended in model_error or sandbox_error from `path` to the end
 * of `retriedPath`: the retried file is appended (and fsynced) before the results file is
 * rewritten atomically without them, so a kill at any point loses no line (at worst a line is
 * in both, and the next resume moves it again). Returns the lines moved.
 */
async function moveErrorEpisodes(path: string, retriedPath: string): Promise<number> {
  let errors = 0;
  for await (const { value } of readJsonl(path, { tolerateTruncatedTail: true }))
    if (RETRIED_REASONS.has(exitReasonOf(value))) errors++;
  if (errors === 0) return 0;
  const { appender: retried } = await JsonlAppender.open(retriedPath);
  const kept = new JsonlWriter(path);
  try {
    for await (const { value } of readJsonl(path, { tolerateTruncatedTail: true })) {
      if (RETRIED_REASONS.has(exitReasonOf(value))) await retried.append(value);
      else await kept.write(value);
    }
    await kept.commit();
  } catch (error) {
    await kept.abort();
    throw error;
  }
  return errors;
}

function exitReasonOf(value: unknown): string {
  const outcome = (value as { outcome?: { exit_reason?: unknown } } | null)?.outcome;
  return typeof outcome?.exit_reason === "string" ? outcome.exit_reason : "";
}

/** The local clone a repository task is checked out of: from `reposDir`, else `--repo-path`. */
function cloneOf(task: Task, options: CollectOptions): string | undefined {
  if (options.reposDir && task.repo) {
    const [owner, name] = task.repo.split("/");
    const found = [task.repo, `${owner}__${name}`, name ?? task.repo]
      .map((p) => join(options.reposDir as string, p))
      .find((p) => existsSync(p));
    if (found) return found;
  }
  return options.episode?.prepare?.repoPath;
}
