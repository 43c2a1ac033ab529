import { InputError } from "../errors.js";
import type { Message } from "../schema/trajectory.js";

/**
 * One node of a task's trajectory tree as the viewer draws it. The tree stage (`sealign tree`,
 * src/tree/) writes the trees; this is the shape the client needs, read from its records.
 */
export interface ViewTreeNode {
  id: string;
  parent: string | null;
  /** "root", "prompt" or "step" (`sealign tree`'s kinds); "step" when the file does not say. */
  kind: string;
  /** The merged action's key (what identifies the action among its siblings). */
  key: string;
  /** Human-readable action (tool call or text) when the tree records one; else the key. */
  label: string;
  depth: number;
  visits: number;
  successes: number;
  /** Fraction of successful paths through the node (METHOD.md section 1 step 5), null if unknown. */
  score: number | null;
  /** Wilson score interval of `score`, when the tree records it. */
  wilson: [number, number] | null;
  critical: boolean;
  trajectory_ids: string[];
  /** The step's assistant message as the representative trajectory produced it. */
  message: Message | null;
  /** The start of what came back, for display. */
  observation_preview: string | null;
}

export interface ViewTree {
  task_id: string;
  nodes: ViewTreeNode[];
  /** The tree record's other top-level fields (threshold, provenance, ...), shown as they are. */
  info: Record<string, unknown>;
}

type Raw = Record<string, unknown>;

function field<T>(raw: Raw, names: string[], check: (v: unknown) => v is T): T | undefined {
  for (const name of names) if (check(raw[name])) return raw[name] as T;
  return undefined;
}
const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isId = (v: unknown): v is string | number => isString(v) || isNumber(v);

function wilsonOf(raw: Raw): [number, number] | null {
  const w = raw["wilson"] ?? raw["wilson_interval"] ?? raw["interval"];
  if (Array.isArray(w) && w.length === 2 && isNumber(w[0]) && isNumber(w[1])) return [w[0], w[1]];
  if (w && typeof w === "object") {
    const o = w as Raw;
    const lo = field(o, ["low", "lower", "lo"], isNumber);
    const hi = field(o, ["high", "upper", "hi"], isNumber);
    if (lo !== undefined && hi !== undefined) return [lo, hi];
  }
  return null;
}

/** A one-line description of a step: its tool calls (name and first argument) or its text. */
function messageLabel(message: Message): string | null {
  if (message.role !== "assistant") return null;
  const calls = (message.tool_calls ?? []).map((call) => {
    let first = "";
    try {
      const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
      const value = args && typeof args === "object" ? Object.values(args)[0] : undefined;
      if (value !== undefined) first = typeof value === "string" ? value : JSON.stringify(value);
    } catch {
      first = call.function.arguments;
    }
    return `${call.function.name}: ${first}`;
  });
  if (calls.length) return calls.join(" ; ");
  return typeof message.content === "string" ? message.content : null;
}

function labelOf(raw: Raw, key: string): string {
  const kind = raw["kind"];
  if (kind === "root") return "task";
  if (kind === "prompt") return "prompt";
  const message = raw["message"];
  if (message && typeof message === "object") {
    const label = messageLabel(message as Message);
    if (label) return label;
  }
  const action = raw["action"];
  if (isString(action)) return action;
  if (action && typeof action === "object") return JSON.stringify(action);
  return field(raw, ["label", "summary"], isString) ?? key;
}

/** Read one node record; throws an InputError naming the field that is missing. */
export function normalizeNode(
  raw: unknown,
  where: { file: string; line?: number; index: number },
): ViewTreeNode {
  if (raw === null || typeof raw !== "object") {
    throw new InputError("tree node is not an object", { ...where, field: `nodes[${where.index}]` });
  }
  const r = raw as Raw;
  const id = field(r, ["id", "node_id"], isId);
  const visits = field(r, ["visits", "n"], isNumber);
  if (id === undefined)
    throw new InputError("tree node has no id", { ...where, field: `nodes[${where.index}].id` });
  if (visits === undefined) {
    throw new InputError("tree node has no visits", { ...where, field: `nodes[${where.index}].visits` });
  }
  const parent = field(r, ["parent", "parent_id"], isId);
  const key = field(r, ["key", "action_key"], isString) ?? String(id);
  const successes = field(r, ["successes", "wins"], isNumber) ?? 0;
  const score = field(r, ["score", "value"], isNumber) ?? (visits > 0 ? successes / visits : null);
  const ids = r["trajectory_ids"] ?? r["trajectories"];
  return {
    id: String(id),
    parent: parent === undefined ? null : String(parent),
    key,
    label: labelOf(r, key),
    depth: field(r, ["depth"], isNumber) ?? 0,
    visits,
    successes,
    score,
    wilson: wilsonOf(r),
    critical: r["critical"] === true,
    trajectory_ids: Array.isArray(ids) ? ids.filter(isString) : [],
    kind: field(r, ["kind"], isString) ?? "step",
    message: r["message"] && typeof r["message"] === "object" ? (r["message"] as Message) : null,
    observation_preview: field(r, ["observation_preview"], isString) ?? null,
  };
}

/** A whole tree record (`{task_id, nodes: [...], ...}`) as the viewer's tree. */
export function normalizeTree(raw: unknown, where: { file: string; line?: number }): ViewTree {
  const r = (raw ?? {}) as Raw;
  const taskId = r["task_id"];
  if (!isString(taskId)) throw new InputError("tree record has no task_id", { ...where, field: "task_id" });
  const nodes = r["nodes"];
  if (!Array.isArray(nodes))
    throw new InputError("tree record has no nodes list", { ...where, field: "nodes" });
  const info: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k !== "nodes") info[k] = v;
  const normalized = nodes.map((node, index) => normalizeNode(node, { ...where, index }));
  const ids = new Set(normalized.map((n) => n.id));
  normalized.forEach((node, index) => {
    if (node.parent !== null && !ids.has(node.parent)) {
      throw new InputError(`tree node ${node.id} names a parent ${node.parent} that is not in the tree`, {
        ...where,
        field: `nodes[${index}].parent`,
      });
    }
  });
  return { task_id: taskId, nodes: normalized, info };
}
