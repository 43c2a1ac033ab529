/**
 * The coordinator's side of the queue: enqueue one job per unit of work with an idempotent id,
 * take each finished job's result, hand it to the caller (who appends it to the run's files),
 * and only then remove the job from Redis.
 *
 * Guarantees (docs/scale-out.md): execution is at-least-once (a worker killed mid-job has its
 * job retried by BullMQ's stalled-job recovery, a Redis that lost its data has the missing jobs
 * re-enqueued), results are exactly-once (a job is removed only after the caller has stored its
 * result, a result whose unit is no longer pending is dropped by its id, and a restarted
 * coordinator skips the units its files already hold and finds the jobs still in Redis by id).
 */
import { type Job, Queue, QueueEvents } from "bullmq";
import { connectionOptions, DEFAULT_QUEUE_NAME, type JobKind, parseQueueUrl } from "./connection.js";

/** One unit of work: its job id (see `jobIdOf`) and the job's data. */
export interface QueueUnit<D> {
  id: string;
  data: D;
}

/** What became of a job: its worker's result, or the last error after all its attempts. */
export type JobOutcome<R> =
  | { ok: true; value: R; attempts: number; worker: string | null }
  | { ok: false; reason: string; attempts: number };

/** What the coordinator sees, for the progress line. */
export interface QueueStatus {
  /** Workers connected to the queue (any run). */
  workers: number;
  /** This run's jobs being worked on now. */
  active: number;
  /** This run's units still without a result. */
  pending: number;
  /** Results that arrived for units already recorded, dropped by id. */
  duplicates: number;
  /** Jobs enqueued again because Redis had lost them. */
  reenqueued: number;
  /** Redis connection errors seen (the coordinator keeps going through them). */
  connectionErrors: number;
}

export interface CoordinatorOptions {
  /** `redis://HOST:PORT[/DB]`. */
  url: string;
  queueName?: string;
  runId: string;
  kind: JobKind;
  /** Tries per job before it ends as failed (BullMQ `attempts`; default 3). */
  attempts?: number;
  /** Wait between tries of a failed job (default 1 s). */
  backoffMs?: number;
  /** How often finished jobs are collected when no event says so sooner (default 500 ms). */
  pollMs?: number;
  /** How often every pending unit's job is checked to still exist in Redis (default 10 s). */
  reconcileMs?: number;
  /** How long to wait for Redis to answer at the start (default 30 s). */
  connectTimeoutMs?: number;
  /** Told about every change worth a progress redraw. */
  onStatus?: (status: QueueStatus) => void;
  /** Told about connection trouble (once per error). */
  onWarning?: (message: string) => void;
}

/** Where the queue is and how its jobs are retried (the run commands' `queue` option). */
export interface QueueRunOptions {
  /** `redis://HOST:PORT[/DB]`. */
  url: string;
  queueName?: string;
  /** Tries per job before it is recorded as an error (default 3). */
  attempts?: number;
  backoffMs?: number;
  pollMs?: number;
  reconcileMs?: number;
  /** How long to wait for Redis to answer at the start (default 30 s). */
  connectTimeoutMs?: number;
  /** Told about connection trouble. */
  onWarning?: (message: string) => void;
}

/** What a worker returns for a job: the result and who made it. */
export interface WorkerResult<R> {
  result: R;
  worker: string;
}

const ENQUEUE_CHUNK = 200;

function sleep(ms: number, wake: { promise: Promise<void> }): Promise<void> {
  return Promise.race([new Promise<void>((r) => setTimeout(r, ms).unref()), wake.promise]);
}

/**
 * Run a batch of units through the queue. `run` resolves when every unit has an outcome that
 * `onOutcome` has stored, or when `signal` stops it (pending jobs then stay in Redis, where a
 * restarted coordinator finds them).
 */
export class JobCoordinator<D extends { runId: string }, R> {
  private readonly queue: Queue;
  /** Made once Redis has answered (a QueueEvents that never connected cannot be closed). */
  private events: QueueEvents | null = null;
  private readonly options: CoordinatorOptions;
  private wake = JobCoordinator.newWake();
  private readonly status: QueueStatus = {
    workers: 0,
    active: 0,
    pending: 0,
    duplicates: 0,
    reenqueued: 0,
    connectionErrors: 0,
  };
  private connectionLost = false;

  constructor(options: CoordinatorOptions) {
    this.options = options;
    const address = parseQueueUrl(options.url);
    const connection = connectionOptions(address);
    const name = options.queueName ?? DEFAULT_QUEUE_NAME;
    this.queue = new Queue(name, { connection });
    this.queue.on("error", (error) => this.onConnectionError(error));
  }

  private onConnectionError(error: Error): void {
    this.status.connectionErrors++;
    if (!this.connectionLost)
      this.options.onWarning?.(
        `queue ${parseQueueUrl(this.options.url).display}: ${error.message}; reconnecting`,
      );
    this.connectionLost = true;
  }

  /** Listen for finished jobs, so that one is taken at once rather than at the next poll. */
  private listen(): void {
    if (this.events) return;
    const address = parseQueueUrl(this.options.url);
    this.events = new QueueEvents(this.options.queueName ?? DEFAULT_QUEUE_NAME, {
      connection: connectionOptions(address),
    });
    this.events.on("error", (error) => this.onConnectionError(error));
    this.events.on("completed", () => this.wake.fire());
    this.events.on("failed", () => this.wake.fire());
  }

  private static newWake() {
    let fire = () => {};
    const promise = new Promise<void>((resolve) => {
      fire = resolve;
    });
    return { promise, fire };
  }

  /**
   * Wait until Redis answers (commands wait through reconnects, so an unreachable Redis would
   * otherwise hang the run silently); fails after `timeoutMs`, naming the URL.
   */
  async ready(timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `queue ${parseQueueUrl(this.options.url).display} did not answer in ${timeoutMs / 1000}s`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.queue.getJobCounts("wait"), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Enqueue the units (jobs already there under the same id are left as they are). */
  private async enqueue(units: readonly QueueUnit<D>[]): Promise<void> {
    const attempts = Math.max(1, this.options.attempts ?? 3);
    for (let i = 0; i < units.length; i += ENQUEUE_CHUNK) {
      await this.queue.addBulk(
        units.slice(i, i + ENQUEUE_CHUNK).map((unit) => ({
          name: this.options.kind,
          data: unit.data,
          opts: {
            jobId: unit.id,
            attempts,
            backoff: { type: "fixed", delay: this.options.backoffMs ?? 1000 },
            // the coordinator removes a job once its result is stored; nothing expires it before
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
    }
  }

  /** Re-add the pending units whose jobs Redis no longer has (a restart without persistence). */
  private async reenqueueMissing(pending: Map<string, QueueUnit<D>>): Promise<void> {
    const missing: QueueUnit<D>[] = [];
    const ids = [...pending.keys()];
    for (let i = 0; i < ids.length; i += ENQUEUE_CHUNK) {
      const chunk = ids.slice(i, i + ENQUEUE_CHUNK);
      const states = await Promise.all(chunk.map((id) => this.queue.getJobState(id)));
      states.forEach((state, j) => {
        if (state === "unknown") missing.push(pending.get(chunk[j] as string) as QueueUnit<D>);
      });
    }
    if (missing.length) {
      this.status.reenqueued += missing.length;
      this.options.onWarning?.(`queue: ${missing.length} job(s) were missing from Redis; enqueued again`);
      await this.enqueue(missing);
    }
  }

  /** Every finished job in the queue (completed, or failed after its attempts), oldest first. */
  private async finishedJobs(): Promise<{ job: Job; failed: boolean }[]> {
    const jobs: { job: Job; failed: boolean }[] = [];
    const page = 500;
    for (const state of ["completed", "failed"] as const) {
      for (let start = 0; ; start += page) {
        const batch = await this.queue.getJobs([state], start, start + page - 1, true);
        for (const job of batch) if (job) jobs.push({ job, failed: state === "failed" });
        if (batch.length < page) break;
      }
    }
    return jobs;
  }

  private ours(job: Job): boolean {
    return job.name === this.options.kind && (job.data as D | undefined)?.runId === this.options.runId;
  }

  private async refreshStatus(pending: number): Promise<void> {
    this.status.pending = pending;
    this.status.workers = await this.queue.getWorkersCount();
    const active = await this.queue.getJobs(["active"], 0, -1);
    this.status.active = active.filter((job) => job && this.ours(job)).length;
    this.options.onStatus?.({ ...this.status });
  }

  /**
   * Enqueue `units` and wait for all of them. `onOutcome` stores a result (append + fsync);
   * the job is removed from Redis only after it returns. A finished job of this run whose unit
   * is not among `units` was already stored by an earlier coordinator: it is removed unused.
   */
  async run(
    units: readonly QueueUnit<D>[],
    onOutcome: (unit: QueueUnit<D>, outcome: JobOutcome<R>) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<QueueStatus> {
    const pending = new Map(units.map((u) => [u.id, u] as const));
    await this.ready(this.options.connectTimeoutMs);
    this.listen();
    await this.enqueue(units);
    const pollMs = this.options.pollMs ?? 500;
    const reconcileMs = this.options.reconcileMs ?? 10_000;
    let lastReconcile = Date.now();
    let lastStatus = 0;
    const onAbort = () => this.wake.fire();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (pending.size > 0 && !signal?.aborted) {
        // a fresh wake-up before looking, so that a job finishing meanwhile cuts the next sleep
        this.wake = JobCoordinator.newWake();
        try {
          for (const { job, failed } of await this.finishedJobs()) {
            if (!this.ours(job) || job.id === undefined) continue;
            const unit = pending.get(job.id);
            if (unit) {
              const outcome: JobOutcome<R> = failed
                ? { ok: false, reason: job.failedReason ?? "failed", attempts: job.attemptsMade }
                : {
                    ok: true,
                    value: (job.returnvalue as WorkerResult<R>).result,
                    attempts: job.attemptsMade,
                    worker: (job.returnvalue as WorkerResult<R>).worker ?? null,
                  };
              await onOutcome(unit, outcome);
              pending.delete(job.id);
            } else {
              this.status.duplicates++;
            }
            await job.remove();
          }
          if (this.connectionLost || Date.now() - lastReconcile > reconcileMs) {
            // after a reconnect the server may be a fresh one that lost everything
            this.connectionLost = false;
            await this.reenqueueMissing(pending);
            lastReconcile = Date.now();
          }
          if (Date.now() - lastStatus > 1000) {
            await this.refreshStatus(pending.size);
            lastStatus = Date.now();
          }
        } catch (error) {
          if (!isConnectionError(error)) throw error;
          this.status.connectionErrors++;
          this.connectionLost = true;
        }
        if (pending.size > 0 && !signal?.aborted) await sleep(pollMs, this.wake);
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    this.status.pending = pending.size;
    return { ...this.status };
  }

  /** Close the connections; one that never connected (Redis down) is dropped after 2 s. */
  async close(): Promise<void> {
    const clients = this.events ? [this.events, this.queue] : [this.queue];
    const closed = Promise.allSettled(clients.map((client) => client.close()));
    const late = await Promise.race([
      closed.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), 2000).unref()),
    ]);
    // (disconnect's own promise may never settle for a client that never connected)
    if (late) for (const client of clients) client.disconnect().catch(() => {});
  }
}

/** Errors of a Redis that is down or restarting (retried), as opposed to bugs (thrown). */
export function isConnectionError(error: unknown): boolean {
  const message = (error as Error)?.message ?? "";
  const code = (error as NodeJS.ErrnoException)?.code ?? "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH"].includes(code) ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|LOADING|max retries|Stream isn't writeable|socket/i.test(
      message,
    )
  );
}
