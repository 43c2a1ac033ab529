import { createHash } from "node:crypto";
import type { Message, Trajectory, TrajectoryInput } from "../schema/trajectory.js";
import { TRAJECTORY_SCHEMA_VERSION } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";
import { SEALIGN_VERSION } from "../version.js";

/** Fields a producer (importer, collector) supplies; the rest is filled in. */
export type TrajectoryDraft = Omit<TrajectoryInput, "schema_version" | "provenance" | "usage" | "id"> & {
  id?: string;
  provenance: Omit<TrajectoryInput["provenance"], "sealign_version"> & { sealign_version?: string };
  usage?: Partial<TrajectoryInput["usage"]>;
};

/** Assistant turns in a conversation. */
export function countTurns(messages: readonly Pick<Message, "role">[]): number {
  return messages.filter((m) => m.role === "assistant").length;
}

/** A stable id from the task, run and content, for sources that have none. */
export function contentId(taskId: string, ...parts: string[]): string {
  const hash = createHash("sha256");
  hash.update(taskId);
  for (const part of parts) hash.update("\0").update(part);
  return `${taskId}#${hash.digest("hex").slice(0, 12)}`;
}

/** Complete and validate a trajectory (throws InputError naming the bad field). */
export function buildTrajectory(draft: TrajectoryDraft): Trajectory {
  const id = draft.id ?? contentId(String(draft.task_id), JSON.stringify(draft.messages));
  return parseTrajectory({
    ...draft,
    schema_version: TRAJECTORY_SCHEMA_VERSION,
    id,
    provenance: { ...draft.provenance, sealign_version: draft.provenance.sealign_version ?? SEALIGN_VERSION },
    usage: { turns: countTurns(draft.messages as Message[]), ...draft.usage },
  });
}
