import { contentText } from "../schema/content.js";
import type { TaskTree, TreeNode } from "../tree/tree.js";
import type { TrajectoryView } from "../tree/view.js";
import type { FilterResult } from "./filters.js";

/**
 * Statistics shaped like the paper's Table 1 (tasks, trajectories after filtering, mean tokens
 * and path length, critical nodes, pairs) plus tree shape figures. `TaskStats` are computed
 * per task (in a worker when parallel) and summed into `TreeCorpusStats`.
 */
export interface TaskStats {
  task_id: string;
  read: number;
  unscored: number;
  duplicates: number;
  stuck: number;
  isolated: number;
  kept: number;
  successful: number;
  failed: number;
  /** Sum and count of `usage.total_tokens` over kept trajectories that report it. */
  tokens_reported_sum: number;
  tokens_reported_count: number;
  /** Characters of message text and tool-call arguments of kept trajectories. */
  chars_sum: number;
  /** Steps (assistant turns) of kept trajectories. */
  steps_sum: number;
  /** Step nodes (the tree as if fully materialised). */
  nodes: number;
  /** Nodes with at least one child (prompt and step nodes) and their children. */
  inner_nodes: number;
  children_sum: number;
  /** Nodes with two or more distinct next actions, and those actions. */
  branching_nodes: number;
  branching_actions_sum: number;
  critical_nodes: number;
  pairs: number;
  trajectory_pairs: number;
  /** Depth of the shallowest node with two distinct next actions (null: no divergence). */
  first_divergence_depth: number | null;
}

function charsOf(view: TrajectoryView): number {
  let chars = 0;
  for (const message of view.trajectory.messages) {
    chars += contentText(message.content).length;
    if (message.role === "assistant") {
      chars += message.reasoning_content?.length ?? 0;
      for (const call of message.tool_calls ?? []) chars += call.function.arguments.length;
    }
  }
  return chars;
}

/** Per-task figures, from the filter result and the (possibly lazily built) tree. */
export function taskStats(
  tree: TaskTree,
  filtered: FilterResult,
  read: number,
  criticalNodes: number,
  pairs: number,
  trajectoryPairs: number,
): TaskStats {
  const s: TaskStats = {
    task_id: tree.taskId,
    read,
    unscored: filtered.unscored.length,
    duplicates: filtered.duplicates.length,
    stuck: filtered.stuck.length,
    isolated: filtered.isolated.length,
    kept: filtered.kept.length,
    successful: 0,
    failed: 0,
    tokens_reported_sum: 0,
    tokens_reported_count: 0,
    chars_sum: 0,
    steps_sum: 0,
    nodes: 0,
    inner_nodes: 0,
    children_sum: 0,
    branching_nodes: 0,
    branching_actions_sum: 0,
    critical_nodes: criticalNodes,
    pairs,
    trajectory_pairs: trajectoryPairs,
    first_divergence_depth: null,
  };
  for (const view of filtered.kept) {
    if (view.resolved) s.successful++;
    else s.failed++;
    const tokens = view.trajectory.usage.total_tokens;
    if (tokens !== null) {
      s.tokens_reported_sum += tokens;
      s.tokens_reported_count++;
    }
    s.chars_sum += charsOf(view);
    s.steps_sum += view.length;
  }
  for (const node of tree.nodes()) {
    if (node.kind === "root") continue;
    countNode(s, node);
  }
  return s;
}

function countNode(s: TaskStats, node: TreeNode): void {
  if (node.kind === "step") s.nodes++;
  if (node.pending) {
    // An unexpanded chain: the representative's remaining steps, one child each.
    const remaining = node.representative.length - node.depth;
    s.nodes += remaining;
    s.inner_nodes += remaining;
    s.children_sum += remaining;
    return;
  }
  if (node.children.length > 0) {
    s.inner_nodes++;
    s.children_sum += node.children.length;
  }
  if (node.byKey.size >= 2) {
    s.branching_nodes++;
    s.branching_actions_sum += node.byKey.size;
    if (s.first_divergence_depth === null || node.depth < s.first_divergence_depth)
      s.first_divergence_depth = node.depth;
  }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** The corpus summary printed by `--json` and stored beside outputs. */
export interface TreeCorpusStats {
  tasks: number;
  tasks_with_pairs: number;
  trajectories: {
    read: number;
    unscored: number;
    duplicates: number;
    stuck: number;
    isolated: number;
    after_filtering: number;
    successful: number;
    failed: number;
  };
  /** Mean `usage.total_tokens` over kept trajectories that report it (null: none does). */
  mean_tokens: number | null;
  tokens_reported_by: number;
  /** Characters / 4 of the kept trajectories' text: an estimate, for corpora without usage. */
  mean_tokens_estimated: number | null;
  mean_path_length: number | null;
  critical_nodes: number;
  pairs: number;
  trajectory_pairs: number;
  nodes: number;
  /** Mean children per inner node, and mean distinct next actions per branching node. */
  branching_factor: number | null;
  branching_factor_at_branches: number | null;
  first_divergence_depth: { mean: number | null; median: number | null; tasks: number };
  pairs_per_task: { mean: number | null; median: number | null; max: number };
}

/** Sum task figures into corpus figures. */
export function treeCorpusStats(tasks: readonly TaskStats[]): TreeCorpusStats {
  const sum = (f: (t: TaskStats) => number) => tasks.reduce((acc, t) => acc + f(t), 0);
  const kept = sum((t) => t.kept);
  const divergence = tasks.map((t) => t.first_divergence_depth).filter((d): d is number => d !== null);
  const pairsPerTask = tasks.map((t) => t.pairs);
  return {
    tasks: tasks.length,
    tasks_with_pairs: tasks.filter((t) => t.pairs > 0).length,
    trajectories: {
      read: sum((t) => t.read),
      unscored: sum((t) => t.unscored),
      duplicates: sum((t) => t.duplicates),
      stuck: sum((t) => t.stuck),
      isolated: sum((t) => t.isolated),
      after_filtering: kept,
      successful: sum((t) => t.successful),
      failed: sum((t) => t.failed),
    },
    mean_tokens: ratio(
      sum((t) => t.tokens_reported_sum),
      sum((t) => t.tokens_reported_count),
    ),
    tokens_reported_by: sum((t) => t.tokens_reported_count),
    mean_tokens_estimated: ratio(
      sum((t) => t.chars_sum),
      4 * kept,
    ),
    mean_path_length: ratio(
      sum((t) => t.steps_sum),
      kept,
    ),
    critical_nodes: sum((t) => t.critical_nodes),
    pairs: sum((t) => t.pairs),
    trajectory_pairs: sum((t) => t.trajectory_pairs),
    nodes: sum((t) => t.nodes),
    branching_factor: ratio(
      sum((t) => t.children_sum),
      sum((t) => t.inner_nodes),
    ),
    branching_factor_at_branches: ratio(
      sum((t) => t.branching_actions_sum),
      sum((t) => t.branching_nodes),
    ),
    first_divergence_depth: {
      mean: ratio(
        divergence.reduce((a, b) => a + b, 0),
        divergence.length,
      ),
      median: median(divergence),
      tasks: divergence.length,
    },
    pairs_per_task: {
      mean: ratio(
        sum((t) => t.pairs),
        tasks.length,
      ),
      median: median(pairsPerTask),
      max: pairsPerTask.reduce((a, b) => Math.max(a, b), 0),
    },
  };
}
