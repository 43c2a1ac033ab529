import { readParsed } from "../io/records.js";
import { SkipLog } from "../io/skip-log.js";
import type { Trajectory } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";

export interface ReadTrajectoriesOptions {
  /** Go on past invalid records, counting them in the SkipLog instead of throwing. */
  skipInvalid?: boolean;
  /** Ignore a partial last line (resuming an append-only run file). */
  tolerateTruncatedTail?: boolean;
}

/**
 * Stream validated trajectories from a sealign JSONL file (plain/.gz/.zst), whatever its
 * extension: the trajectory file is JSONL by contract (sealign.trajectory/1).
 * Without `skipInvalid` the first bad record throws an InputError naming file, line and field.
 */
export function readTrajectories(
  path: string,
  options: ReadTrajectoriesOptions = {},
  skipped: SkipLog = new SkipLog(),
): AsyncGenerator<Trajectory> {
  return readParsed(path, parseTrajectory, { ...options, format: "jsonl", skipped });
}
