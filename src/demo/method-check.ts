import { createHash } from "node:crypto";
import type { Pair } from "../schema/pair.js";
import { modelTurns, steps } from "../schema/steps.js";
import type { Trajectory } from "../schema/trajectory.js";
import { simGroundTruth } from "../sim/ground-truth.js";

/**
 * The method check: how well do the critical pairs found by the tree module match the
 * decisions that really doomed the simulator's episodes? Definitions (docs/method-check.md):
 *
 * - A **ground-truth critical decision** is, for a failed simulated episode, its fatal turn k:
 *   the node (task, actions of turns 0..k-1) together with the mistaken action taken at k.
 *   Episodes that share the prefix and the action share the decision.
 * - It is **detectable** when some trajectory of the same task shares the prefix and took a
 *   different action at turn k (the tree has a sibling to compare it with); recall is measured
 *   over detectable decisions (and over all of them, reported beside it).
 * - A critical pair is **correct** when at least one of its rejected trajectories made a
 *   mistake at the pair's depth and none of its chosen trajectories did.
 * - precision = correct pairs / pairs; recall = decisions that some pair rejects (a pair at
 *   depth k whose rejected trajectories include one with that decision) / decisions.
 */
export interface MethodCheckResult {
  trajectories: number;
  /** Assistant turns the model generated (replayed tree-search prefixes not counted): the budget spent. */
  modelTurns: number;
  simulated: number;
  failed: number;
  pairs: number;
  correctPairs: number;
  /** null when there are no pairs. */
  precision: number | null;
  decisions: number;
  detectableDecisions: number;
  coveredDecisions: number;
  /** Recall over detectable decisions; null when there are none. */
  recall: number | null;
  /** Recall over all decisions, detectable or not. */
  recallAll: number | null;
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Per-turn action keys: the tool calls with their raw arguments. */
function actionKeys(trajectory: Trajectory): string[] {
  return steps(trajectory).map((step) => JSON.stringify(step.calls.map((c) => [c.tool, c.argumentsRaw])));
}

/** Compare critical pairs with the simulator's ground truth. */
export function methodCheck(trajectories: readonly Trajectory[], pairs: readonly Pair[]): MethodCheckResult {
  /** trajectory id -> the tree node (task + action prefix) at each of its turns */
  const nodesOf = new Map<string, string[]>();
  const mistakesOf = new Map<string, Set<number>>();
  /** trajectory id -> ground-truth decision id at its fatal turn */
  const fatalOf = new Map<string, { turn: number; decision: string }>();
  /** node id (task + prefix) -> action keys seen there */
  const actionsAt = new Map<string, Set<string>>();
  const decisionNode = new Map<string, { node: string; action: string }>();
  let simulated = 0;
  let failed = 0;
  for (const t of trajectories) {
    const keys = actionKeys(t);
    const nodes: string[] = [];
    let prefix = t.task_id;
    for (const key of keys) {
      const node = hash(prefix);
      let seen = actionsAt.get(node);
      if (!seen) {
        seen = new Set();
        actionsAt.set(node, seen);
      }
      seen.add(key);
      nodes.push(node);
      prefix += `\0${key}`;
    }
    nodesOf.set(t.id, nodes);
    const truth = simGroundTruth(t);
    if (!truth) continue;
    simulated++;
    mistakesOf.set(t.id, new Set(truth.mistakeTurns));
    if (t.outcome.resolved === true) continue;
    failed++;
    const turn = truth.fatalTurn;
    if (turn === null || turn >= keys.length) continue;
    const node = nodes[turn]!;
    const decision = hash(`${node}\0${keys[turn]}`);
    fatalOf.set(t.id, { turn, decision });
    decisionNode.set(decision, { node, action: keys[turn]! });
  }
  const detectable = new Set(
    [...decisionNode].filter(([, d]) => (actionsAt.get(d.node)?.size ?? 0) > 1).map(([id]) => id),
  );
  const covered = new Set<string>();
  let correct = 0;
  for (const pair of pairs) {
    if (pair.kind !== "critical") continue;
    const depth = pair.meta.depth;
    const rejectedErr = pair.meta.rejected_trajectory_ids.some((id) => mistakesOf.get(id)?.has(depth));
    const chosenErr = pair.meta.chosen_trajectory_ids.some((id) => mistakesOf.get(id)?.has(depth));
    if (rejectedErr && !chosenErr) correct++;
    for (const id of pair.meta.rejected_trajectory_ids) {
      const fatal = fatalOf.get(id);
      if (fatal && fatal.turn === depth) covered.add(fatal.decision);
    }
  }
  const criticalPairs = pairs.filter((p) => p.kind === "critical").length;
  const coveredDetectable = [...covered].filter((d) => detectable.has(d)).length;
  return {
    trajectories: trajectories.length,
    modelTurns: trajectories.reduce((n, t) => n + modelTurns(t), 0),
    simulated,
    failed,
    pairs: criticalPairs,
    correctPairs: correct,
    precision: criticalPairs ? correct / criticalPairs : null,
    decisions: decisionNode.size,
    detectableDecisions: detectable.size,
    coveredDecisions: coveredDetectable,
    recall: detectable.size ? coveredDetectable / detectable.size : null,
    recallAll: decisionNode.size ? covered.size / decisionNode.size : null,
  };
}
