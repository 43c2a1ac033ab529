import { PAIR_SCHEMA_VERSION, type Pair } from "../schema/pair.js";
import type { TaskTree } from "../tree/tree.js";
import type { TrajectoryView } from "../tree/view.js";
import { pairId } from "./build.js";

/**
 * Trajectory-level pairs for the paper's "w/o fine-grained score" ablation: the task prompt,
 * then a whole successful continuation (chosen) against a whole failed one (rejected).
 * Within each prompt variant of a task, successful and failed trajectories are zipped in input
 * order, so every trajectory is used at most once (min(successes, failures) pairs), capped by
 * `maxPerTask`.
 */
export interface AblationOptions {
  maxPerTask?: number | null;
}

function toolNames(view: TrajectoryView): string[] {
  const names = new Set<string>();
  for (let i = 0; i < view.length; i++)
    for (const name of view.signature(i).split("\u0000")) if (name) names.add(name);
  return [...names];
}

export function trajectoryPairs(
  tree: TaskTree,
  provenance: Record<string, unknown>,
  options: AblationOptions = {},
): Pair[] {
  const out: Pair[] = [];
  const cap = options.maxPerTask ?? Number.POSITIVE_INFINITY;
  for (const promptNode of tree.root.children) {
    const usable = promptNode.trajectories.filter((v) => v.length > 0);
    const good = usable.filter((v) => v.resolved === true);
    const bad = usable.filter((v) => v.resolved === false);
    for (let i = 0; i < Math.min(good.length, bad.length) && out.length < cap; i++) {
      const chosen = good[i] as TrajectoryView;
      const rejected = bad[i] as TrajectoryView;
      const start = chosen.step(0).messageIndex;
      out.push({
        schema_version: PAIR_SCHEMA_VERSION,
        id: pairId(tree.taskId, "t", chosen.id, rejected.id),
        task_id: tree.taskId,
        kind: "trajectory",
        prompt: chosen.prefix(0),
        chosen: chosen.trajectory.messages.slice(start),
        rejected: rejected.trajectory.messages.slice(rejected.step(0).messageIndex),
        tools: chosen.trajectory.tools,
        meta: {
          node_path: [promptNode.id],
          depth: 0,
          chosen_score: 1,
          rejected_score: 0,
          gap: 1,
          parent_visits: promptNode.visits,
          chosen_visits: 1,
          rejected_visits: 1,
          chosen_trajectory_ids: [chosen.id],
          rejected_trajectory_ids: [rejected.id],
          chosen_tools: toolNames(chosen),
          rejected_tools: toolNames(rejected),
        },
        provenance,
      });
    }
  }
  return out;
}
