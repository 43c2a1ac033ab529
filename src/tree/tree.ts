import type { Message } from "../schema/trajectory.js";
import { shortHash } from "./observation.js";
import type { TrajectoryView } from "./view.js";
import { type Interval, wilsonInterval, Z95 } from "./wilson.js";

/**
 * One tree per task (METHOD.md section 1, step 4): every trajectory is one path from the root,
 * and steps that are identical (same canonical action, and by default the same normalised
 * observation) after an identical history share one node.
 *
 * Levels: the root stands for the task; its children are the task's prompt variants (tools and
 * messages before the first action; nearly always one); below them every node is one step
 * (an assistant action and what came back). A node's depth is the number of actions from the
 * prompt to it (prompt and root: 0).
 *
 * The tree is built lazily: a node that only one trajectory has reached keeps that
 * trajectory's continuation unexpanded ("pending") until a second trajectory arrives there.
 * Below a divergence nothing is keyed or hashed, which is what makes corpus-scale runs cheap;
 * `materialise()` expands everything for a full tree file. Visits and successes are exact at
 * every node either way.
 */

/** What identifies a step for merging: action and observation (default) or action alone. */
export type MergeMode = "observation" | "action";

export type NodeKind = "root" | "prompt" | "step";

export class TreeNode {
  readonly kind: NodeKind;
  readonly parent: TreeNode | null;
  /** Actions from the prompt to this node (root and prompt nodes: 0). */
  readonly depth: number;
  /** Canonical action key (step nodes), or the prompt key (prompt nodes). */
  readonly key: string;
  /** Trajectories through this node, in input order. The first is its representative. */
  readonly trajectories: TrajectoryView[] = [];
  /** Expanded children in creation order. */
  readonly children: TreeNode[] = [];
  /** Expanded children by action key (several per key when observations differ). */
  readonly byKey = new Map<string, TreeNode[]>();
  visits = 0;
  successes = 0;
  /** Trajectories whose last step is this node. */
  ends = 0;
  /** True while the single trajectory here has an unexpanded continuation. */
  pending = false;
  private observationHash: string | undefined;
  /** Raw observation hashes known to normalise to this node's hash. */
  private rawHashes: Set<string> | undefined;
  private nodeId: string | undefined;
  private readonly tree: TaskTree;

  constructor(tree: TaskTree, kind: NodeKind, parent: TreeNode | null, depth: number, key: string) {
    this.tree = tree;
    this.kind = kind;
    this.parent = parent;
    this.depth = depth;
    this.key = key;
  }

  /** successes / visits (0 for an unvisited node). */
  get score(): number {
    return this.visits === 0 ? 0 : this.successes / this.visits;
  }

  /** Wilson interval of the score at normal quantile z (default 95%). */
  interval(z: number = Z95): Interval {
    return wilsonInterval(this.successes, this.visits, z);
  }

  /** The first trajectory through this node. */
  get representative(): TrajectoryView {
    const first = this.trajectories[0];
    if (!first) throw new Error("tree node without trajectories");
    return first;
  }

  /** The normalised observation hash of this step (computed from the representative). */
  get observation(): string | null {
    if (this.kind !== "step") return null;
    this.observationHash ??= this.representative.observation(this.depth - 1);
    return this.observationHash;
  }

  /** Set when the hash is already known (avoids recomputing it). */
  setObservation(hash: string): void {
    this.observationHash = hash;
  }

  /** True when observations hashing to `raw` (unnormalised) are known to belong here. */
  hasRawObservation(raw: string): boolean {
    this.rawHashes ??= new Set([this.representative.rawObservation(this.depth - 1)]);
    return this.rawHashes.has(raw);
  }

  addRawObservation(raw: string): void {
    this.hasRawObservation(raw);
    this.rawHashes?.add(raw);
  }

  /**
   * A stable id: a hash of the parent's id, the action key and (when merging on
   * observations) the observation hash. Equal inputs and options give equal ids in `tree`
   * files and in pairs' `node_path`.
   */
  get id(): string {
    if (this.nodeId === undefined) {
      if (this.kind === "root") this.nodeId = "root";
      else if (this.kind === "prompt") this.nodeId = `p${shortHash(`prompt\u0000${this.key}`, 15)}`;
      else {
        const obs = this.tree.merge === "observation" ? `\u0000${this.observation}` : "";
        this.nodeId = shortHash(`${this.parent?.id}\u0000${this.key}${obs}`);
      }
    }
    return this.nodeId;
  }

  /** The assistant message of this step as the representative produced it. */
  get message(): Message | null {
    return this.kind === "step" ? this.representative.assistantMessage(this.depth - 1) : null;
  }

  /** Nodes from the root to this one, root first. */
  path(): TreeNode[] {
    const out: TreeNode[] = [];
    for (let node: TreeNode | null = this; node; node = node.parent) out.push(node);
    return out.reverse();
  }

  visit(view: TrajectoryView): void {
    this.visits++;
    if (view.resolved === true) this.successes++;
    this.trajectories.push(view);
  }
}

export interface TreeOptions {
  /** `observation` (default): same action and same normalised observation merge. */
  merge?: MergeMode;
}

/** The merged tree of one task's scored trajectories. */
export class TaskTree {
  readonly taskId: string;
  readonly merge: MergeMode;
  readonly root: TreeNode;
  readonly views: TrajectoryView[] = [];

  constructor(taskId: string, options: TreeOptions = {}) {
    this.taskId = taskId;
    this.merge = options.merge ?? "observation";
    this.root = new TreeNode(this, "root", null, 0, "");
  }

  /** Add one trajectory as a path. It must have an outcome (unscored ones stay out). */
  add(view: TrajectoryView): void {
    if (view.resolved === null)
      throw new Error(`trajectory ${view.id} has no outcome: keep it out of the tree`);
    this.views.push(view);
    this.root.visit(view);
    const promptKey = view.promptKey();
    let node = this.root.byKey.get(promptKey)?.[0];
    if (!node) {
      node = new TreeNode(this, "prompt", this.root, 0, promptKey);
      this.root.byKey.set(promptKey, [node]);
      this.root.children.push(node);
    }
    let d = 0;
    for (;;) {
      this.enter(node, view, d);
      if (node.visits > 1 && node.pending) this.expandOne(node);
      if (node.visits === 1 || d === view.length) return;
      node = this.childFor(node, view, d);
      d++;
    }
  }

  /** Expand every pending continuation, so that every step of every trajectory is a node. */
  materialise(): void {
    const stack = [this.root];
    while (stack.length > 0) {
      let node = stack.pop() as TreeNode;
      if (node.pending) {
        // Walk the single trajectory's remaining steps as a chain of one-visit nodes.
        while (node.pending) node = this.expandOne(node);
        continue;
      }
      for (const child of node.children) stack.push(child);
    }
  }

  /** Every expanded node, depth first, children in creation order. */
  *nodes(): Generator<TreeNode> {
    const stack = [this.root];
    while (stack.length > 0) {
      const node = stack.pop() as TreeNode;
      yield node;
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as TreeNode);
    }
  }

  private enter(node: TreeNode, view: TrajectoryView, d: number): void {
    node.visit(view);
    if (d === view.length) node.ends++;
    if (node.visits === 1) node.pending = d < view.length;
  }

  /** Expand the pending continuation of a node's single trajectory by one step. */
  private expandOne(node: TreeNode): TreeNode {
    node.pending = false;
    const first = node.representative;
    const child = this.childFor(node, first, node.depth);
    this.enter(child, first, node.depth + 1);
    return child;
  }

  /** The child of `node` that step `d` of `view` leads to, created when new. */
  private childFor(node: TreeNode, view: TrajectoryView, d: number): TreeNode {
    const key = view.key(d);
    let list = node.byKey.get(key);
    if (list && this.merge === "action") return list[0] as TreeNode;
    let hash: string | undefined;
    if (list) {
      // Identical raw output needs no normalisation; only a mismatch is normalised and compared.
      const raw = view.rawObservation(d);
      for (const candidate of list) if (candidate.hasRawObservation(raw)) return candidate;
      hash = view.observation(d);
      for (const candidate of list) {
        if (candidate.observation === hash) {
          candidate.addRawObservation(raw);
          return candidate;
        }
      }
    } else {
      list = [];
      node.byKey.set(key, list);
    }
    const child = new TreeNode(this, "step", node, d + 1, key);
    if (hash !== undefined) child.setObservation(hash);
    list.push(child);
    node.children.push(child);
    return child;
  }
}
