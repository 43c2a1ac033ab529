import type { TaskTree, TreeNode } from "../tree/tree.js";
import type { TrajectoryView } from "../tree/view.js";
import { type Interval, intervalsDisjoint, wilsonInterval, Z95, zForConfidence } from "../tree/wilson.js";

/**
 * Critical decisions (METHOD.md section 1, step 6). At a decision node the model chose among
 * next actions; children that took the same action (merged separately only because they saw
 * different observations) are pooled into one candidate, since the action is what the model
 * decided. Two candidates form a pair when their scores differ by more than the threshold.
 */

/**
 * The default score gap of a critical pair: chosen score - rejected score must exceed it (the
 * paper's rule). The one place the value is written: the CLI's defaults and the demo read it.
 */
export const CRITICAL_THRESHOLD = 0.5;

export interface CriticalOptions {
  /** A pair needs chosen score - rejected score > threshold (default CRITICAL_THRESHOLD, 0.5). */
  threshold?: number;
  /** Candidates seen fewer times are ignored (default 1, as in the paper). */
  minVisits?: number;
  /** When set (e.g. 0.95), the two Wilson intervals at this level must not overlap as well. */
  confidence?: number | null;
  /** `all` qualifying sibling pairs (default) or only the best-vs-worst one per node. */
  pairs?: "all" | "extremes";
  /** At most this many pairs per decision node, largest gap first (default: no limit). */
  maxPerNode?: number | null;
}

/** Candidates compared at a decision: the children of a node that took one action. */
export interface ActionGroup {
  key: string;
  nodes: TreeNode[];
  visits: number;
  successes: number;
  score: number;
  interval: Interval;
  /** Order of first appearance among the parent's children. */
  order: number;
}

export interface CandidatePair {
  chosen: ActionGroup;
  rejected: ActionGroup;
  gap: number;
}

/** A critical decision node and the pairs it yields (capped by maxPerNode). */
export interface Decision {
  node: TreeNode;
  groups: ActionGroup[];
  /** Every qualifying pair, in output order (largest gap first). */
  qualifying: CandidatePair[];
  /** The pairs to emit. */
  pairs: CandidatePair[];
}

export function resolveCriticalOptions(options: CriticalOptions = {}): Required<CriticalOptions> {
  const resolved = {
    threshold: options.threshold ?? CRITICAL_THRESHOLD,
    minVisits: options.minVisits ?? 1,
    confidence: options.confidence ?? null,
    pairs: options.pairs ?? "all",
    maxPerNode: options.maxPerNode ?? null,
  };
  if (!(resolved.threshold >= 0 && resolved.threshold < 1))
    throw new RangeError("threshold must lie in [0, 1)");
  if (!Number.isInteger(resolved.minVisits) || resolved.minVisits < 1)
    throw new RangeError("min-visits must be >= 1");
  if (resolved.maxPerNode !== null && !(Number.isInteger(resolved.maxPerNode) && resolved.maxPerNode >= 1))
    throw new RangeError("max-per-node must be a positive integer");
  return resolved;
}

/** The children of `node` pooled by action key, in order of first appearance. */
export function actionGroups(node: TreeNode, z: number = Z95): ActionGroup[] {
  const groups: ActionGroup[] = [];
  for (const [key, nodes] of node.byKey) {
    let visits = 0;
    let successes = 0;
    for (const child of nodes) {
      visits += child.visits;
      successes += child.successes;
    }
    groups.push({
      key,
      nodes,
      visits,
      successes,
      score: visits === 0 ? 0 : successes / visits,
      interval: wilsonInterval(successes, visits, z),
      order: groups.length,
    });
  }
  return groups;
}

/**
 * a.score - b.score > threshold, decided on integers (a.s * b.v - b.s * a.v > t * a.v * b.v)
 * so that a gap of exactly the threshold never passes through rounding (2/3 - 1/6 vs 0.5).
 */
export function gapExceeds(a: ActionGroup, b: ActionGroup, threshold: number): boolean {
  return a.successes * b.visits - b.successes * a.visits > threshold * a.visits * b.visits;
}

function comparePairs(x: CandidatePair, y: CandidatePair): number {
  // Larger gap first; then the better supported pair (more visits on its thinner side).
  const xg = x.chosen.successes / x.chosen.visits - x.rejected.successes / x.rejected.visits;
  const yg = y.chosen.successes / y.chosen.visits - y.rejected.successes / y.rejected.visits;
  if (Math.abs(xg - yg) > 1e-12) return yg - xg;
  const xv = Math.min(x.chosen.visits, x.rejected.visits);
  const yv = Math.min(y.chosen.visits, y.rejected.visits);
  if (xv !== yv) return yv - xv;
  return x.chosen.order - y.chosen.order || x.rejected.order - y.rejected.order;
}

/** The decision at one node, or null when the node is not critical. */
export function decisionAt(node: TreeNode, options: Required<CriticalOptions>): Decision | null {
  if (node.byKey.size < 2 || node.kind === "root") return null;
  const z = options.confidence === null ? Z95 : zForConfidence(options.confidence);
  const groups = actionGroups(node, z);
  const eligible = groups.filter((g) => g.visits >= options.minVisits);
  const qualifying: CandidatePair[] = [];
  for (const a of eligible) {
    for (const b of eligible) {
      if (a === b || !gapExceeds(a, b, options.threshold)) continue;
      if (
        options.confidence !== null &&
        !(intervalsDisjoint(a.interval, b.interval) && a.interval[0] > b.interval[1])
      )
        continue;
      qualifying.push({ chosen: a, rejected: b, gap: a.score - b.score });
    }
  }
  if (qualifying.length === 0) return null;
  qualifying.sort(comparePairs);
  let pairs = options.pairs === "extremes" ? qualifying.slice(0, 1) : qualifying;
  if (options.maxPerNode !== null) pairs = pairs.slice(0, options.maxPerNode);
  return { node, groups, qualifying, pairs };
}

/** Every critical decision of a tree, depth first. */
export function findDecisions(tree: TaskTree, options: CriticalOptions = {}): Decision[] {
  const resolved = resolveCriticalOptions(options);
  const out: Decision[] = [];
  for (const node of tree.nodes()) {
    const decision = decisionAt(node, resolved);
    if (decision) out.push(decision);
  }
  return out;
}

/** Trajectories through a group, in input order. */
export function groupTrajectories(group: ActionGroup): TrajectoryView[] {
  const all = group.nodes.flatMap((n) => n.trajectories);
  return group.nodes.length > 1 ? all.sort((a, b) => a.index - b.index) : all;
}
