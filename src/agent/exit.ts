import type { ExitReason } from "../schema/trajectory.js";

/**
 * How an episode ends: thrown by whichever step meets the end (a finish call, a limit, a model
 * or sandbox failure) and caught once by `Episode.run`, as mini-swe-agent's agents end by
 * raising a terminating exception. `reason` and `detail` become the trajectory's
 * `outcome.exit_reason` / `outcome.exit_detail`.
 */
export class EpisodeExit extends Error {
  readonly reason: ExitReason;
  readonly detail: string | undefined;

  constructor(reason: ExitReason, detail?: string) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = "EpisodeExit";
    this.reason = reason;
    this.detail = detail;
  }
}
