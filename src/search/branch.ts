import type { ReplaySpec } from "../agent/replay.js";
import type { Trajectory } from "../schema/trajectory.js";

/**
 * What a branch replays (src/agent/replay.ts): the source trajectory's messages before its
 * assistant message of turn `turn`, its per-turn request records of those turns, and which
 * episode seed generated each part of that prefix (a branch of a branch replays turns that two
 * or more episodes generated).
 */
export function branchReplay(
  source: Trajectory,
  turn: number,
  round: number,
  /** The task's trajectories, to follow the source's own branch back to its origin. */
  known: readonly Trajectory[],
): ReplaySpec {
  const assistants: number[] = [];
  source.messages.forEach((m, i) => {
    if (m.role === "assistant") assistants.push(i);
  });
  const end = assistants[turn];
  if (end === undefined || turn < 1)
    throw new RangeError(`cannot branch ${source.id} at turn ${turn}: it has ${assistants.length} turns`);
  const requests = (source.metadata as { requests?: unknown }).requests;
  // request records are per turn only when there is one for every turn (the runner keeps one per completion)
  const perTurn = Array.isArray(requests) && requests.length === assistants.length;
  return {
    messages: structuredClone(source.messages.slice(0, end)),
    turns: turn,
    requests: perTurn ? structuredClone(requests.slice(0, turn) as Record<string, unknown>[]) : [],
    branch: { trajectory_id: source.id, turn, round },
    seeds: seedsOf(source, known).filter((s) => s.from < turn),
  };
}

/** The seeds that generated a trajectory's turns: each from its turn `from` on. */
export function seedsOf(
  trajectory: Trajectory,
  known: readonly Trajectory[],
): { seed: number; from: number }[] {
  const own = trajectory.provenance.sampling.seed ?? 0;
  const branch = trajectory.provenance.branch;
  if (!branch) return [{ seed: own, from: 0 }];
  const parent = known.find((t) => t.id === branch.trajectory_id);
  const before = parent ? seedsOf(parent, known).filter((s) => s.from < branch.turn) : [];
  return [...before, { seed: own, from: branch.turn }];
}
