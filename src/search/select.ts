import { actionGroups } from "../pairs/critical.js";
import type { TaskTree, TreeNode } from "../tree/tree.js";
import type { TrajectoryView } from "../tree/view.js";
import { betaSample, type Random } from "./random.js";

/**
 * The selection rule of the tree search (docs/search.md): where to start the next episode of a
 * task. It sees only the task's tree (trajectories and their test outcomes), never the
 * simulator's ground truth.
 *
 * A candidate is a node of the tree (the prompt node or a step) that some trajectory goes on
 * from: a branch there replays that trajectory's first `depth` turns and lets the model choose
 * the node's next action afresh. Each candidate gets
 *
 *   priority = max(alternative, SIDE_WEIGHT * side) / cost
 *
 * - alternative = θ × ν: θ is a Thompson draw of the node's failure rate from its posterior
 *   Beta(failures + 1, successes + 1), so nodes on failed paths come first but every node keeps
 *   a chance; ν = (N1 + 1) / (D + 1) is the Good-Turing chance (add-one) that a new draw of the
 *   node's action is one not seen yet, where D counts the trajectories that chose the action
 *   here themselves (replayed copies are not draws) and N1 the actions chosen exactly once. A
 *   failed node whose decision has no alternative yet has ν = 1; a node where every draw took
 *   the same action loses interest quickly (D = 2, N1 = 0: ν = 1/3).
 * - side = 1 / (visits + 1) when the node is one side of a decision that already has two
 *   actions whose scores differ by more than SIDE_GAP: a pair that rests on few visits gets
 *   more of them (the branch replays the decision and continues below it).
 * - cost = the mean model turns the trajectories through the node took after it, plus one
 *   (the continuation of a new action may be longer): late decisions are cheap to resample, so
 *   the budget buys more decisions there.
 *
 * Nodes where a replay diverged are left out. Ties go to the node met first depth first.
 */

/** Weight of the side term against the alternative term. */
export const SIDE_WEIGHT = 0.5;
/** A decision whose actions' scores differ by more than this counts as a (possible) pair. */
export const SIDE_GAP = 0.25;

/** Where the next branch starts, and why. */
export interface BranchChoice {
  node: TreeNode;
  /** The trajectory whose prefix is replayed (the first through the node that goes on from it). */
  source: TrajectoryView;
  /** Assistant turns to replay (the node's depth). */
  turn: number;
  priority: number;
  reason: "alternative" | "side";
}

/** The first assistant turn a trajectory generated itself (0 unless it is a branch). */
function branchTurn(view: TrajectoryView): number {
  return view.trajectory.provenance.branch?.turn ?? 0;
}

/** Good-Turing (add-one) chance that a new draw at `node` takes an action not seen there. */
function novelty(node: TreeNode, going: TrajectoryView[]): number {
  const draws = new Map<string, number>();
  let total = 0;
  for (const view of going) {
    if (branchTurn(view) > node.depth) continue; // replayed this decision: a copy, not a draw
    const key = view.key(node.depth);
    draws.set(key, (draws.get(key) ?? 0) + 1);
    total++;
  }
  const singles = [...draws.values()].filter((n) => n === 1).length;
  return (singles + 1) / (total + 1);
}

/** 1 / (visits + 1) of the node's action group when its parent's decision already splits. */
function sideNeed(node: TreeNode): number {
  const parent = node.parent;
  if (!parent || node.kind !== "step" || parent.byKey.size < 2) return 0;
  const groups = actionGroups(parent);
  const own = groups.find((g) => g.key === node.key);
  if (!own) return 0;
  const splits = groups.some((g) => g !== own && Math.abs(g.score - own.score) > SIDE_GAP);
  return splits ? 1 / (own.visits + 1) : 0;
}

/**
 * Choose the next branch of a task's search, or null when no node qualifies. `tree` must be
 * materialised (every step a node); `excluded` holds node ids whose replay diverged.
 */
export function chooseBranch(
  tree: TaskTree,
  excluded: ReadonlySet<string>,
  random: Random,
): BranchChoice | null {
  let best: BranchChoice | null = null;
  for (const node of tree.nodes()) {
    if (node.kind === "root") continue;
    const going = node.trajectories.filter((v) => v.length > node.depth);
    if (going.length === 0) continue;
    // the Thompson draw happens for every candidate, in traversal order, so that the random
    // stream (and with it every later decision) does not depend on which nodes are excluded
    const theta = betaSample(random, node.visits - node.successes + 1, node.successes + 1);
    if (excluded.has(node.id)) continue;
    const alternative = theta * novelty(node, going);
    const side = SIDE_WEIGHT * sideNeed(node);
    const cost = going.reduce((n, v) => n + v.length - node.depth, 0) / going.length + 1;
    const priority = Math.max(alternative, side) / cost;
    if (best === null || priority > best.priority) {
      const source = going[0] as TrajectoryView;
      best = {
        node,
        source,
        turn: node.depth,
        priority,
        reason: side > alternative ? "side" : "alternative",
      };
    }
  }
  return best;
}
