/**
 * `sealign worker`: a long-running process that takes episode and validation jobs from the
 * queue and runs them with the same job functions as a local run (`runCollectJob`,
 * `runValidateJob`). It needs only the queue URL and its runtime; model secrets come from its
 * own environment (OPENAI_API_KEY ...), never from a job.
 *
 * Failure handling is BullMQ's: the lock on a running job is renewed every `lockDuration / 2`
 * while the process lives, so a 30-minute episode keeps it; a worker killed mid-job stops
 * renewing, its lock expires after `lockDuration`, and another worker's stalled-job check
 * (every `stalledInterval`) puts the job back in the queue. A job stalled more than
 * `maxStalledCount` times, or that threw on each of its attempts, ends as failed.
 */
import { mkdir, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { type Job, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { type CollectJobData, type CollectJobResult, runCollectJob } from "../collect/job.js";
import { createProvider } from "../providers/registry.js";
import type { ModelProvider } from "../providers/types.js";
import { connectionOptions, DEFAULT_QUEUE_NAME, type JobKind, parseQueueUrl } from "../queue/connection.js";
import type { WorkerResult } from "../queue/coordinator.js";
import { DockerRuntime } from "../runtime/docker.js";
import { LocalRuntime } from "../runtime/local.js";
import type { Runtime } from "../runtime/types.js";
import type { SandboxLimits } from "../sandbox/bwrap.js";
import { BasePool, repoPathIn } from "../validate/bases.js";
import { runValidateJob, type ValidateJobData, type ValidateJobResult } from "../validate/job.js";

export interface QueueWorkerOptions {
  /** `redis://HOST:PORT[/DB]`. */
  url: string;
  queueName?: string;
  /** Jobs at a time (default 1). */
  concurrency?: number;
  /** Where the jobs' commands run: `local` (bubblewrap here, default) or `docker` (instance images). */
  runtime?: "local" | "docker";
  /** The docker runtime's image namespace (default swebench; SWE-Gym: xingyaoww). */
  imageNamespace?: string;
  /** Local clones of repository tasks' repos (DIR/owner/name, DIR/owner__name or DIR/name). */
  reposDir?: string;
  /** Run commands without bubblewrap (a decision of the worker's operator, never of a job). */
  unsafeNoSandbox?: boolean;
  /** Folder for workspaces (default: a fresh one under the OS temp folder). */
  workRoot?: string;
  /** How long a job's lock lasts without renewal (default 60 s; renewed every half of it). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 30 s). */
  stalledIntervalMs?: number;
  /** Stalls (worker deaths) a job survives before it fails (default 2). */
  maxStalledCount?: number;
  /**
   * On `close()`: how long running jobs may take to finish before they are stopped and handed
   * back to the queue (default 25 s, inside Kubernetes' 30 s grace period).
   */
  drainTimeoutMs?: number;
  /** The worker's name as the queue shows it (default HOST-PID). */
  name?: string;
  /** Where provider defaults and secrets are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** One line per event (job start/end, connection trouble). */
  log?: (line: string) => void;
}

export interface WorkerStats {
  completed: number;
  failed: number;
  handedBack: number;
}

export interface QueueWorker {
  readonly name: string;
  readonly stats: WorkerStats;
  /** Stop taking jobs, let running ones finish (or hand them back after the drain time), exit. */
  close(): Promise<void>;
}

/** How long a prepared base outlives its last job on a worker, waiting for the next of its task. */
const BASE_LINGER_MS = 5000;

/** Start a worker; it runs until `close()`. */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const address = parseQueueUrl(options.url);
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const log = options.log ?? (() => {});
  const workRoot =
    options.workRoot ?? join(tmpdir(), `sealign-worker-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(workRoot, { recursive: true });
  const runtimeName = options.runtime ?? "local";
  // what a killed worker of this runtime left behind (cgroups, containers) goes first
  if (runtimeName === "docker") {
    const probe = new DockerRuntime({ imageNamespace: options.imageNamespace, runId: name });
    await probe.ping(); // no daemon: say so now, not once per job
  }
  const stats: WorkerStats = { completed: 0, failed: 0, handedBack: 0 };

  // one provider per model SPEC and options, made on first use and kept
  const providers = new Map<string, Promise<ModelProvider>>();
  const providerFor = (data: CollectJobData) => {
    const key = JSON.stringify([data.model, data.providerOptions]);
    let provider = providers.get(key);
    if (!provider) {
      provider = createProvider(data.model, { ...data.providerOptions, env: options.env ?? process.env });
      provider.catch(() => providers.delete(key));
      providers.set(key, provider);
    }
    return provider;
  };
  // one runtime and pool of prepared bases per run and limits (two runs may hold different
  // tasks under the same id): a base is shared by the jobs of its task running here at the same
  // time and released after the last of them
  const runs = new Map<string, { runtime: Runtime & { close?: () => Promise<void> }; pool: BasePool }>();
  const runFor = (runId: string, limits: SandboxLimits | undefined, maxProcesses: number | undefined) => {
    const key = JSON.stringify([runId, limits ?? null, maxProcesses ?? null]);
    let run = runs.get(key);
    if (!run) {
      const runtime =
        runtimeName === "docker"
          ? new DockerRuntime({
              imageNamespace: options.imageNamespace,
              runId: name,
              ...(limits?.memoryMiB ? { limits: { memoryMiB: limits.memoryMiB } } : {}),
            })
          : new LocalRuntime({
              root: join(workRoot, `run-${runs.size}`),
              repoPathOf: (task) => repoPathIn(options.reposDir, task),
              limits,
              maxProcesses,
              unsafeNoSandbox: options.unsafeNoSandbox,
            });
      run = { runtime, pool: new BasePool(runtime, options.reposDir) };
      runs.set(key, run);
    }
    return run;
  };
  const running = new Map<string, AbortController>();
  const lingering = new Set<NodeJS.Timeout>();

  async function processJob(
    job: Job,
    token?: string,
  ): Promise<WorkerResult<CollectJobResult | ValidateJobResult>> {
    const stop = new AbortController();
    const id = job.id ?? "?";
    running.set(id, stop);
    const started = Date.now();
    log(`${name}: ${job.name} ${id} started (attempt ${job.attemptsMade + 1})`);
    try {
      const kind = job.name as JobKind;
      const data = job.data as CollectJobData | ValidateJobData;
      const { runtime, pool } =
        kind === "collect"
          ? runFor(
              data.runId,
              (data as CollectJobData).episode?.limits,
              (data as CollectJobData).episode?.maxProcesses,
            )
          : runFor(data.runId, (data as ValidateJobData).limits, undefined);
      pool.expect(data.task.instance_id);
      let result: CollectJobResult | ValidateJobResult;
      try {
        if (kind === "collect") {
          const collectData = data as CollectJobData;
          const provider = await providerFor(collectData);
          const base = await pool.get(collectData.task);
          result = await runCollectJob(collectData, {
            provider,
            base,
            runtime,
            workRoot,
            unsafeNoSandbox: options.unsafeNoSandbox,
            signal: stop.signal,
          });
        } else if (kind === "validate") {
          const base = await pool.get(data.task);
          result = await runValidateJob(data as ValidateJobData, {
            base,
            runtime,
            workRoot,
            unsafeNoSandbox: options.unsafeNoSandbox,
          });
        } else {
          throw new UnrecoverableError(`unknown job kind "${job.name}"`);
        }
      } finally {
        // a task's jobs are enqueued side by side: keep its base a moment for the next one
        // rather than prepare it again (pool.close() at the end takes what is left)
        const timer = setTimeout(() => {
          lingering.delete(timer);
          void pool.release(data.task.instance_id);
        }, BASE_LINGER_MS);
        timer.unref();
        lingering.add(timer);
      }
      if (stop.signal.aborted) {
        // drained before it finished: back to the queue, without using up an attempt
        stats.handedBack++;
        await job.moveToWait(token);
        log(`${name}: ${job.name} ${id} handed back (the worker is stopping)`);
        throw new WaitingError();
      }
      stats.completed++;
      log(`${name}: ${job.name} ${id} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return { result, worker: name };
    } catch (error) {
      if (!(error instanceof WaitingError)) {
        stats.failed++;
        log(`${name}: ${job.name} ${id} failed: ${(error as Error).message}`);
      }
      throw error;
    } finally {
      running.delete(id);
    }
  }

  const worker = new Worker(options.queueName ?? DEFAULT_QUEUE_NAME, processJob, {
    connection: connectionOptions(address),
    concurrency: Math.max(1, options.concurrency ?? 1),
    name,
    lockDuration: options.lockDurationMs ?? 60_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
    // results stay until the coordinator has stored them and removes the job
    removeOnComplete: { count: Number.MAX_SAFE_INTEGER },
    removeOnFail: { count: Number.MAX_SAFE_INTEGER },
  });
  let lastError = "";
  worker.on("error", (error) => {
    // reconnecting after a Redis restart: say it once, not on every retry
    if (error.message !== lastError) log(`${name}: queue ${address.display}: ${error.message}`);
    lastError = error.message;
  });
  worker.on("ready", () => {
    if (lastError) log(`${name}: queue ${address.display}: connected again`);
    lastError = "";
  });
  await worker.waitUntilReady();
  log(`${name}: waiting for jobs on ${address.display} (queue ${options.queueName ?? DEFAULT_QUEUE_NAME})`);

  let closing: Promise<void> | null = null;
  return {
    name,
    stats,
    close() {
      closing ??= (async () => {
        const drainMs = options.drainTimeoutMs ?? 25_000;
        const timer = setTimeout(() => {
          for (const stop of running.values()) stop.abort();
        }, drainMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(timer);
          for (const t of lingering) clearTimeout(t);
          for (const provider of providers.values()) await provider.then((p) => p.close?.()).catch(() => {});
          for (const { runtime, pool } of runs.values()) {
            await pool.close();
            await runtime.close?.();
          }
          await rm(workRoot, { recursive: true, force: true });
          log(
            `${name}: stopped (${stats.completed} done, ${stats.failed} failed, ${stats.handedBack} handed back)`,
          );
        }
      })();
      return closing;
    },
  };
}
