/**
 * `validate --queue URL`: the patches that need a test run go to `sealign worker`s as
 * validation jobs; this process stays the run's coordinator and records each verdict in
 * OUT/results.jsonl exactly once. A job is removed from Redis only after its verdict is stored
 * (`stored(id)`), so a coordinator killed in between finds it again on the rerun.
 */
import { createHash } from "node:crypto";
import { jobIdOf } from "../queue/connection.js";
import {
  JobCoordinator,
  type JobOutcome,
  type QueueRunOptions,
  type QueueStatus,
} from "../queue/coordinator.js";
import type { ValidateJobData, ValidateJobResult } from "./job.js";
import { reportWithoutRun } from "./validate-one.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** A validation run's id on the queue: stable for one output folder, so a rerun resumes it. */
export function validateRunId(outDir: string): string {
  return `validate-${createHash("sha256").update(outDir).digest("hex").slice(0, 16)}`;
}

/** The verdict to record for a finished job: the worker's, checked, or a harness error. */
export function verdictOfOutcome(
  data: ValidateJobData,
  outcome: JobOutcome<ValidateJobResult>,
): ValidateJobResult {
  const harnessError = (message: string): ValidateJobResult => {
    const report = { ...reportWithoutRun(data.patch), patch_exists: true, error: message };
    return { report, log: `instance: ${data.task.instance_id}\n== harness error: ${message}` };
  };
  if (!outcome.ok)
    return harnessError(`queue: the job failed after ${outcome.attempts} attempt(s): ${outcome.reason}`);
  const value = outcome.value as Partial<ValidateJobResult> | undefined;
  const report = value?.report as Record<string, unknown> | undefined;
  if (
    !report ||
    typeof report.resolved !== "boolean" ||
    typeof report.patch_successfully_applied !== "boolean" ||
    (report.error !== null && typeof report.error !== "string") ||
    typeof value?.log !== "string"
  )
    return harnessError("queue: the worker returned no valid verdict");
  return value as ValidateJobResult;
}

/** The validation jobs of one run, enqueued together and answered one by one. */
export class QueuedValidations {
  private readonly verdicts = new Map<string, Deferred<ValidateJobResult>>();
  private readonly storedSignals = new Map<string, Deferred<void>>();
  private readonly coordinator: JobCoordinator<ValidateJobData, ValidateJobResult>;
  private running: Promise<unknown> | null = null;
  /** Stops the coordinator when the run ends early (an error elsewhere). */
  private readonly stop = new AbortController();
  private readonly stopped = new Promise<void>((resolve) =>
    this.stop.signal.addEventListener("abort", () => resolve(), { once: true }),
  );

  constructor(
    queue: QueueRunOptions,
    private readonly runId: string,
    private readonly units: ValidateJobData[],
    onStatus?: (status: QueueStatus) => void,
  ) {
    this.coordinator = new JobCoordinator({
      url: queue.url,
      queueName: queue.queueName,
      runId,
      kind: "validate",
      attempts: queue.attempts,
      backoffMs: queue.backoffMs,
      pollMs: queue.pollMs,
      reconcileMs: queue.reconcileMs,
      connectTimeoutMs: queue.connectTimeoutMs,
      onWarning: queue.onWarning,
      onStatus,
    });
    for (const unit of units) {
      this.verdicts.set(unit.itemId, deferred());
      this.storedSignals.set(unit.itemId, deferred());
    }
  }

  /** Enqueue every unit and start receiving verdicts. */
  start(): void {
    this.running = this.coordinator
      .run(
        this.units.map((data) => ({ id: jobIdOf(this.runId, data.itemId), data })),
        async (unit, outcome) => {
          this.verdicts.get(unit.data.itemId)?.resolve(verdictOfOutcome(unit.data, outcome));
          // the job leaves Redis only once the verdict is in results.jsonl
          await Promise.race([this.storedSignals.get(unit.data.itemId)?.promise, this.stopped]);
          if (this.stop.signal.aborted) throw new Error("validation stopped before this verdict was stored");
        },
        this.stop.signal,
      )
      .catch((error) => {
        for (const d of this.verdicts.values()) d.reject(error);
      });
  }

  /** True when this item is validated on the queue. */
  has(itemId: string): boolean {
    return this.verdicts.has(itemId);
  }

  /** The verdict of an item, when its job is done. */
  verdict(itemId: string): Promise<ValidateJobResult> {
    const d = this.verdicts.get(itemId);
    if (!d) throw new Error(`no queued validation for ${itemId}`);
    return d.promise;
  }

  /** The item's verdict is stored: its job may go. */
  stored(itemId: string): void {
    this.storedSignals.get(itemId)?.resolve();
  }

  /**
   * Wait for the coordinator and close its connections. Called before every verdict is stored
   * (the run failed elsewhere), it stops the coordinator: jobs whose verdicts were not stored
   * stay in Redis for the rerun.
   */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
    await this.coordinator.close();
  }
}
