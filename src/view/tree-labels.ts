import type { Message } from "../schema/trajectory.js";
import type { PairSummary, TrajectorySummary } from "./summaries.js";
import type { ViewTreeNode } from "./trees.js";

/**
 * What the tree drawing shows beside each node. At 500 to 10,000 nodes the first 20 characters
 * of an action say nothing (every sibling starts `str_replace_editor: str_replace`): a label
 * names the tool, the file, and the part of the action that differs from its siblings'.
 */

/** Longest label drawn beside a node. */
export const LABEL_CHARS = 60;

interface Action {
  tool: string;
  path: string | null;
  /** Argument name -> value as text (path left out), in the call's order. */
  args: [string, string][];
  /** The whole action as one line, for nodes without a tool call. */
  text: string;
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/** The file's name, with its folder when that is short (`src/models.py`, not a whole path). */
function tail(path: string): string {
  const parts = path.split("/").filter(Boolean);
  const two = parts.slice(-2).join("/");
  return (two.length <= 28 ? two : parts.at(-1)) || path;
}

function actionOf(node: ViewTreeNode): Action {
  const message = node.message as Message | null;
  const call = message?.role === "assistant" ? message.tool_calls?.[0] : undefined;
  if (call) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(call.function.arguments);
    } catch {
      parsed = undefined;
    }
    const args: [string, string][] = [];
    let path: string | null = null;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        const text = oneLine(typeof v === "string" ? v : JSON.stringify(v));
        if ((k === "path" || k === "file" || k === "filename") && typeof v === "string") path = v;
        else args.push([k, text]);
      }
    } else args.push(["", oneLine(call.function.arguments)]);
    return { tool: call.function.name, path, args, text: oneLine(call.function.arguments) };
  }
  const text = oneLine(node.label);
  return { tool: "", path: null, args: [["", text]], text };
}

/** Where `value` stops sharing a start with every other value, backed up to a word start. */
function differingPart(value: string, others: string[]): string {
  let common = 0;
  for (const other of others) {
    let i = 0;
    while (i < value.length && i < other.length && value[i] === other[i]) i++;
    common = Math.max(common, i);
  }
  if (common === 0) return value;
  if (common >= value.length) return value.length > 12 ? `…${value.slice(-12)}` : value;
  let start = common;
  while (start > 0 && /\w/.test(value[start - 1]!)) start--;
  return start === 0 ? value : `…${value.slice(start)}`;
}

function clip(text: string): string {
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

function base(action: Action): string {
  const first = action.args[0];
  // `command` of an editor tool (view / str_replace / create) tells what kind of edit it is.
  const verb = first && first[0] === "command" && action.path !== null ? first[1] : "";
  // With a verb the tool's name adds nothing (`str_replace main.py` says it is the editor).
  return [verb || action.tool, action.path === null ? "" : tail(action.path)].filter(Boolean).join(" ");
}

/** One label per sibling group member that tells it apart from the others. */
function groupLabels(nodes: ViewTreeNode[]): Map<string, string> {
  const actions = nodes.map(actionOf);
  const bases = actions.map(base);
  const out = new Map<string, string>();
  nodes.forEach((node, i) => {
    if (node.kind === "root" || node.kind === "prompt") {
      out.set(node.id, node.label);
      return;
    }
    const action = actions[i]!;
    const same = actions.filter((_, j) => j !== i && bases[j] === bases[i]);
    let detail = "";
    if (same.length === 0) {
      // Alone of its kind among its siblings: the start of its main argument is enough.
      const main = action.args.find(([k]) => k !== "command") ?? action.args[0];
      detail = main ? main[1] : "";
    } else {
      // The first argument whose value differs from the look-alike siblings', from where it differs.
      for (const [key, value] of action.args) {
        const others = same.map((a) => a.args.find(([k]) => k === key)?.[1] ?? "");
        if (others.every((o) => o === value)) continue;
        detail = `${key ? `${key}: ` : ""}${differingPart(value, others)}`;
        break;
      }
    }
    // The part that differs must survive the cut: the head gives way first.
    const head = bases[i]!;
    const room = Math.max(16, LABEL_CHARS - detail.length - 3);
    const shown = head.length > room ? `${head.slice(0, room - 1)}…` : head;
    out.set(node.id, clip(shown && detail ? `${shown} · ${detail}` : shown || detail || node.key));
  });
  return out;
}

export interface DrawnNodeExtras {
  /** The label drawn beside the node (see groupLabels). */
  short: string;
  /** For a leaf: how the trajectories that ended there did. */
  leaf: "resolved" | "failed" | "mixed" | "stuck" | null;
  /** This node is the chosen or rejected action of a critical pair. */
  role: "chosen" | "rejected" | "both" | null;
}

/** Labels, leaf badges and chosen / rejected marks for every node of a tree. */
export function drawnExtras(
  nodes: readonly ViewTreeNode[],
  pairs: readonly PairSummary[],
  summary: (id: string) => TrajectorySummary | undefined,
): Map<string, DrawnNodeExtras> {
  const byParent = new Map<string | null, ViewTreeNode[]>();
  for (const n of nodes) {
    const siblings = byParent.get(n.parent);
    if (siblings) siblings.push(n);
    else byParent.set(n.parent, [n]);
  }
  const labels = new Map<string, string>();
  for (const group of byParent.values()) for (const [id, label] of groupLabels(group)) labels.set(id, label);
  const chosen = new Set(pairs.flatMap((p) => p.chosen_node_ids));
  const rejected = new Set(pairs.flatMap((p) => p.rejected_node_ids));
  const out = new Map<string, DrawnNodeExtras>();
  for (const n of nodes) {
    let leaf: DrawnNodeExtras["leaf"] = null;
    if (!byParent.has(n.id) && n.kind === "step") {
      if (n.trajectory_ids.some((id) => summary(id)?.stuck)) leaf = "stuck";
      else if (n.visits > 0 && n.successes === n.visits) leaf = "resolved";
      else if (n.successes === 0) leaf = "failed";
      else leaf = "mixed";
    }
    const role =
      chosen.has(n.id) && rejected.has(n.id)
        ? "both"
        : chosen.has(n.id)
          ? "chosen"
          : rejected.has(n.id)
            ? "rejected"
            : null;
    out.set(n.id, { short: labels.get(n.id) ?? n.label, leaf, role });
  }
  return out;
}
