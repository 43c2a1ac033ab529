/**
 * `collect --queue URL`: the run's coordinator. It enqueues one episode job per missing
 * (task, sample), receives the trajectories the workers return, and appends each to
 * RUN_DIR/trajectories.jsonl exactly once (fsynced before its job is removed from Redis).
 */
import type { JsonlAppender } from "../io/append.js";
import { jobIdOf } from "../queue/connection.js";
import {
  JobCoordinator,
  type JobOutcome,
  type QueueRunOptions,
  type QueueStatus,
} from "../queue/coordinator.js";

export type { QueueRunOptions };

import type { Trajectory } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";
import {
  type CollectJobData,
  type CollectJobResult,
  failedJobTrajectory,
  storeValidationLog,
} from "./job.js";

/** The key a run's files know an episode by. */
export function episodeKey(taskId: string, sample: number): string {
  return `${taskId}\0${sample}`;
}

/**
 * The trajectory to record for a finished job: the worker's, checked against the schema and
 * the unit it was asked for, or an error episode when the job failed or returned garbage.
 */
export async function trajectoryOfOutcome(
  data: CollectJobData,
  jobId: string,
  outcome: JobOutcome<CollectJobResult>,
  logsDir: string,
): Promise<Trajectory> {
  if (!outcome.ok) return failedJobTrajectory(data, outcome.reason, outcome.attempts);
  let trajectory: Trajectory;
  try {
    trajectory = parseTrajectory(outcome.value?.trajectory);
    if (trajectory.task_id !== data.task.instance_id || trajectory.provenance.sample_index !== data.sample)
      throw new Error(
        `it is for ${trajectory.task_id} sample ${trajectory.provenance.sample_index}, not ${data.task.instance_id} sample ${data.sample}`,
      );
  } catch (error) {
    return failedJobTrajectory(
      data,
      `the worker returned no valid trajectory: ${(error as Error).message}`,
      outcome.attempts,
    );
  }
  const log = typeof outcome.value.validationLog === "string" ? outcome.value.validationLog : null;
  trajectory = await storeValidationLog({ trajectory, validationLog: log }, logsDir);
  return parseTrajectory({
    ...trajectory,
    metadata: {
      ...trajectory.metadata,
      queue: { job_id: jobId, worker: outcome.worker, attempts: outcome.attempts },
    },
  });
}

/**
 * Run the units on the queue's workers. `record` appends one trajectory (it is awaited before
 * the job leaves Redis); a unit whose key is already in `done` is never appended again.
 */
export async function collectOverQueue(args: {
  queue: QueueRunOptions;
  runId: string;
  units: CollectJobData[];
  done: Set<string>;
  logsDir: string;
  appender: JsonlAppender;
  record: (trajectory: Trajectory) => void;
  onStatus: (status: QueueStatus) => void;
  signal?: AbortSignal;
}): Promise<QueueStatus> {
  const coordinator = new JobCoordinator<CollectJobData, CollectJobResult>({
    url: args.queue.url,
    queueName: args.queue.queueName,
    runId: args.runId,
    kind: "collect",
    attempts: args.queue.attempts,
    backoffMs: args.queue.backoffMs,
    pollMs: args.queue.pollMs,
    reconcileMs: args.queue.reconcileMs,
    connectTimeoutMs: args.queue.connectTimeoutMs,
    onStatus: args.onStatus,
    onWarning: args.queue.onWarning,
  });
  try {
    const units = args.units.map((data) => ({
      id: jobIdOf(args.runId, data.task.instance_id, data.sample),
      data,
    }));
    return await coordinator.run(
      units,
      async (unit, outcome) => {
        const key = episodeKey(unit.data.task.instance_id, unit.data.sample);
        if (args.done.has(key)) return;
        const trajectory = await trajectoryOfOutcome(unit.data, unit.id, outcome, args.logsDir);
        await args.appender.append(trajectory);
        args.done.add(key);
        args.record(trajectory);
      },
      args.signal,
    );
  } finally {
    await coordinator.close();
  }
}
