import type { Message } from "../schema/trajectory.js";
import type { TaskTree, TreeNode } from "./tree.js";
import { Z95 } from "./wilson.js";

/**
 * The tree file format (`sealign.tree/1`, one JSON document per task; docs/tree.md). The web
 * viewer reads it, so keep it stable: add fields, never rename.
 */
export const TREE_SCHEMA_VERSION = "sealign.tree/1";

export interface TreeFileNode {
  id: string;
  parent: string | null;
  kind: "root" | "prompt" | "step";
  depth: number;
  /** Canonical action key (step), prompt key (prompt), "" (root). */
  key: string;
  /** Normalised observation hash of the step (null for root and prompt nodes). */
  observation_hash: string | null;
  /** The representative's assistant message, exactly as produced (null for root/prompt). */
  message: Message | null;
  /** Where that message is: trajectory id and index in its `messages`. */
  ref: { trajectory_id: string; message_index: number } | null;
  /** First 200 characters of the representative's observation text, for display. */
  observation_preview: string | null;
  visits: number;
  successes: number;
  score: number;
  wilson: [number, number];
  /** Trajectories whose last step is this node. */
  ends: number;
  critical: boolean;
  trajectory_ids: string[];
  children: string[];
}

export interface TreeFile {
  schema_version: typeof TREE_SCHEMA_VERSION;
  task_id: string;
  merge: "observation" | "action";
  nodes: TreeFileNode[];
  trajectories: { id: string; resolved: boolean; steps: number; leaf: string }[];
  excluded: { unscored: string[]; duplicates: string[]; stuck: string[]; isolated: string[] };
  stats: Record<string, unknown>;
  provenance: Record<string, unknown>;
}

function fileNode(node: TreeNode, critical: ReadonlySet<string>): TreeFileNode {
  const step = node.kind === "step";
  // Only step nodes need their representative. The root may have none: a task whose every
  // trajectory was unscored or filtered out (a task's only trajectory is always isolated) still
  // gets a tree file, with an empty root.
  const rep = step ? node.representative : null;
  const stepIndex = node.depth - 1;
  const observationText = rep
    ? rep
        .step(stepIndex)
        .observations.map((o) => o.content)
        .join("\n")
    : null;
  return {
    id: node.id,
    parent: node.parent?.id ?? null,
    kind: node.kind,
    depth: node.depth,
    key: node.key,
    observation_hash: node.observation,
    message: node.message,
    ref: rep ? { trajectory_id: rep.id, message_index: rep.step(stepIndex).messageIndex } : null,
    observation_preview: observationText === null ? null : observationText.slice(0, 200),
    visits: node.visits,
    successes: node.successes,
    score: node.score,
    wilson: node.interval(Z95),
    ends: node.ends,
    critical: critical.has(node.id),
    trajectory_ids: node.trajectories.map((v) => v.id),
    children: node.children.map((c) => c.id),
  };
}

/** The whole tree as a document. Materialises the tree (every step becomes a node). */
export function treeFile(
  tree: TaskTree,
  extra: {
    critical: ReadonlySet<string>;
    excluded: TreeFile["excluded"];
    stats: Record<string, unknown>;
    provenance: Record<string, unknown>;
  },
): TreeFile {
  tree.materialise();
  const nodes: TreeFileNode[] = [];
  const leafOf = new Map<string, string>();
  for (const node of tree.nodes()) {
    nodes.push(fileNode(node, extra.critical));
    if (node.ends > 0) {
      for (const view of node.trajectories) if (view.length === node.depth) leafOf.set(view.id, node.id);
    }
  }
  return {
    schema_version: TREE_SCHEMA_VERSION,
    task_id: tree.taskId,
    merge: tree.merge,
    nodes,
    trajectories: tree.views.map((v) => ({
      id: v.id,
      resolved: v.resolved === true,
      steps: v.length,
      leaf: leafOf.get(v.id) ?? "",
    })),
    excluded: extra.excluded,
    stats: extra.stats,
    provenance: extra.provenance,
  };
}
