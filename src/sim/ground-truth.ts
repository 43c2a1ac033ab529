import type { Trajectory } from "../schema/trajectory.js";
import type { DecisionName } from "./policy.js";
import type { SimTurnRecord } from "./provider.js";

/**
 * The simulator's ground truth of one trajectory, read back from `metadata.requests` (one
 * record per assistant turn, written by the `sim` provider).
 */
export interface SimGroundTruth {
  /** Per turn (0-based assistant turn): the decision taken there, if any. */
  decisions: Map<number, { name: DecisionName; choice: string; mistake: boolean }>;
  /** Turns at which the simulator erred. */
  mistakeTurns: number[];
  /** The turn whose mistake doomed the episode (null when it was not doomed). */
  fatalTurn: number | null;
  /** What the simulator expected (null when it did not reach `finish`, e.g. stuck). */
  expectedResolved: boolean | null;
}

/** The ground truth of a simulated trajectory, or null when it was not made by `sim`. */
export function simGroundTruth(trajectory: Trajectory): SimGroundTruth | null {
  const requests = (trajectory.metadata as { requests?: unknown[] } | undefined)?.requests;
  if (!Array.isArray(requests)) return null;
  const records = requests.filter(
    (r): r is SimTurnRecord => typeof r === "object" && r !== null && (r as SimTurnRecord).provider === "sim",
  );
  if (records.length === 0) return null;
  const decisions = new Map<number, { name: DecisionName; choice: string; mistake: boolean }>();
  const mistakes = new Set<number>();
  let fatalTurn: number | null = null;
  let expectedResolved: boolean | null = null;
  for (const record of records) {
    if (record.decision) decisions.set(record.turn, record.decision);
    for (const t of record.mistake_turns) mistakes.add(t);
    if (record.fatal_turn !== null) fatalTurn = record.fatal_turn;
    if (record.outcome) expectedResolved = record.outcome.expected_resolved;
  }
  return { decisions, mistakeTurns: [...mistakes].sort((a, b) => a - b), fatalTurn, expectedResolved };
}
