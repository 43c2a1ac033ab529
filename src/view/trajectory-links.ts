import type { Catalog } from "./catalog.js";

/** Where else a trajectory shows: the tree nodes it passes through and the pairs it is in. */
export interface TrajectoryLinks {
  /** The task has a tree the viewer can open (a tree file, or judged trajectories to build one). */
  tree: boolean;
  /** Nodes of the task's tree file on this trajectory's path, root first (empty without a file). */
  nodes: { id: string; depth: number; critical: boolean; label: string }[];
  /** Critical pairs whose chosen or rejected side this trajectory took. */
  pairs: { id: string; side: "chosen" | "rejected"; gap: number; depth: number }[];
}

/**
 * The links of a trajectory page. Only a tree file is read for the nodes (cached by the
 * catalog): building a tree on request is left to the tree page.
 */
export async function trajectoryLinks(
  catalog: Catalog,
  taskId: string,
  id: string,
): Promise<TrajectoryLinks> {
  const hasFile = catalog.treeTasks.includes(taskId);
  const judged = catalog.trajectories.some((t) => t.task_id === taskId && t.resolved !== null);
  const nodes: TrajectoryLinks["nodes"] = [];
  if (hasFile) {
    const tree = await catalog.tree(taskId);
    for (const node of tree?.nodes ?? []) {
      if (node.trajectory_ids.includes(id))
        nodes.push({ id: node.id, depth: node.depth, critical: node.critical, label: node.label });
    }
    nodes.sort((a, b) => a.depth - b.depth);
  }
  const pairs: TrajectoryLinks["pairs"] = [];
  for (const p of catalog.pairs) {
    if (p.task_id !== taskId) continue;
    const side = p.chosen_trajectory_ids.includes(id)
      ? "chosen"
      : p.rejected_trajectory_ids.includes(id)
        ? "rejected"
        : null;
    if (side) pairs.push({ id: p.id, side, gap: p.gap, depth: p.depth });
  }
  return { tree: hasFile || judged, nodes, pairs };
}
