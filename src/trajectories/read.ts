import { InputError } from "../errors.js";
import { parseJsonLine } from "../io/jsonl.js";
import { readLines } from "../io/lines.js";
import type { Trajectory } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";

export interface ReadTrajectoriesOptions {
  /** Go on past invalid records, counting them in the SkipLog instead of throwing. */
  skipInvalid?: boolean;
  /** Ignore a partial last line (resuming an append-only run file). */
  tolerateTruncatedTail?: boolean;
}

/** Invalid records passed over with `skipInvalid`, and why. */
export class SkipLog {
  readonly reasons: { file: string; line: number; message: string }[] = [];

  get count(): number {
    return this.reasons.length;
  }

  /** "3 skipped: 2 x malformed JSON ..., 1 x invalid trajectory ..." */
  summary(): string {
    const byReason = new Map<string, number>();
    for (const { message } of this.reasons) byReason.set(message, (byReason.get(message) ?? 0) + 1);
    const parts = [...byReason.entries()].map(([reason, n]) => `${n} x ${reason}`);
    return `${this.count} skipped${parts.length ? ` (${parts.join("; ")})` : ""}`;
  }
}

/**
 * Stream validated trajectories from a sealign JSONL file (plain/.gz/.zst).
 * Without `skipInvalid` the first bad record throws an InputError naming file, line and field.
 */
export async function* readTrajectories(
  path: string,
  options: ReadTrajectoriesOptions = {},
  skipped: SkipLog = new SkipLog(),
): AsyncGenerator<Trajectory> {
  for await (const { text, line, terminated } of readLines(path)) {
    if (/^\s*$/.test(text)) continue;
    try {
      let value: unknown;
      try {
        value = parseJsonLine(path, text, line, terminated);
      } catch (error) {
        if (!terminated && options.tolerateTruncatedTail) return;
        throw error;
      }
      yield parseTrajectory(value, { file: path, line });
    } catch (error) {
      if (!(options.skipInvalid && error instanceof InputError)) throw error;
      skipped.reasons.push({ file: path, line, message: error.message.replace(`${path}:${line}: `, "") });
    }
  }
}
