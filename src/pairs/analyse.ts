import type { ActionKeyOptions } from "../schema/action-key.js";
import type { Pair } from "../schema/pair.js";
import type { Trajectory } from "../schema/trajectory.js";
import { type TreeFile, treeFile } from "../tree/file.js";
import { TaskTree, type TreeOptions } from "../tree/tree.js";
import { TrajectoryView } from "../tree/view.js";
import { type AblationOptions, trajectoryPairs } from "./ablation.js";
import { criticalPairs } from "./build.js";
import { type CriticalOptions, type Decision, findDecisions, resolveCriticalOptions } from "./critical.js";
import {
  type FilterOptions,
  type FilterResult,
  filterTrajectories,
  resolveFilterOptions,
} from "./filters.js";
import { type TaskStats, taskStats } from "./stats.js";

/**
 * One task from trajectories to tree, decisions, pairs and figures: filter -> tree -> score ->
 * critical decisions -> pairs. The unit of work of `sealign tree` and `sealign pairs`, run
 * per task in input order (or per worker, see run.ts).
 */
export interface AnalyseOptions {
  tree?: TreeOptions & ActionKeyOptions;
  filters?: FilterOptions;
  critical?: CriticalOptions;
  /** Build trajectory-level ablation pairs too (null/undefined: no). */
  ablation?: AblationOptions | null;
  /** Build the full tree document (materialises every node: slower). */
  treeFile?: boolean;
  /** Skip critical pairs (e.g. for `sealign tree`, which only marks critical nodes). */
  criticalPairs?: boolean;
  /** Stored in every pair and tree file. */
  provenance?: Record<string, unknown>;
}

export interface TaskAnalysis {
  taskId: string;
  tree: TaskTree;
  filtered: FilterResult;
  decisions: Decision[];
  pairs: Pair[];
  trajectoryPairs: Pair[];
  stats: TaskStats;
  treeFile: TreeFile | null;
}

/** Options with every default filled in, as recorded in provenance. */
export function resolveAnalyseOptions(options: AnalyseOptions = {}) {
  return {
    merge: options.tree?.merge ?? "observation",
    keyThought: options.tree?.keyThought ?? false,
    filters: resolveFilterOptions(options.filters),
    critical: resolveCriticalOptions(options.critical),
    ablation: options.ablation ?? null,
  };
}

/** Analyse one task's trajectories (all with this `task_id`, in input order). */
export function analyseTask(
  taskId: string,
  trajectories: readonly Trajectory[],
  options: AnalyseOptions = {},
): TaskAnalysis {
  const keyOptions = { keyThought: options.tree?.keyThought ?? false };
  const promptCache = new Map<string, string>();
  const views = trajectories.map((t, i) => new TrajectoryView(t, i, keyOptions, promptCache));
  const filtered = filterTrajectories(views, options.filters);
  const tree = new TaskTree(taskId, { merge: options.tree?.merge ?? "observation" });
  for (const view of filtered.kept) tree.add(view);
  const decisions = findDecisions(tree, options.critical);
  const provenance = options.provenance ?? {};
  const pairs = options.criticalPairs === false ? [] : criticalPairs(tree, decisions, provenance);
  const ablation = options.ablation ? trajectoryPairs(tree, provenance, options.ablation) : [];
  const pairCount = decisions.reduce((n, d) => n + d.pairs.length, 0);
  const stats = taskStats(tree, filtered, views.length, decisions.length, pairCount, ablation.length);
  const file = options.treeFile
    ? treeFile(tree, {
        critical: new Set(decisions.map((d) => d.node.id)),
        excluded: {
          unscored: filtered.unscored.map((v) => v.id),
          duplicates: filtered.duplicates.map((v) => v.id),
          stuck: filtered.stuck.map((v) => v.id),
          isolated: filtered.isolated.map((v) => v.id),
        },
        stats: { ...stats },
        provenance,
      })
    : null;
  return { taskId, tree, filtered, decisions, pairs, trajectoryPairs: ablation, stats, treeFile: file };
}
