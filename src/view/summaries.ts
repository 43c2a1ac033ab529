import { trajectoryMetrics } from "../eval/metrics.js";
import type { Pair } from "../schema/pair.js";
import type { Trajectory } from "../schema/trajectory.js";

/**
 * The few fields of a trajectory that lists, filters and aggregates need. The viewer holds one
 * of these per trajectory (a few hundred bytes) instead of the record itself; the record is read
 * back from disk by its location when it is opened.
 */
export interface TrajectorySummary {
  id: string;
  task_id: string;
  /** Run key: `provenance.run_id`, or the file it came from when the run has no id. */
  run: string;
  model: string;
  sample_index: number | null;
  resolved: boolean | null;
  exit_reason: string;
  /** "empty" (patch ""), "present", or "unknown" (patch null). */
  patch: "empty" | "present" | "unknown";
  /** Lines added and removed by the final patch. */
  added: number;
  removed: number;
  /** The paper's "stuck in loop" (same action 3 times in a row), as `sealign eval` counts it. */
  stuck: boolean;
  /** HumanEvalFix's "invalid patch" (empty, unknown or not applicable), as `sealign eval` counts it. */
  invalid_patch: boolean;
  turns: number;
  tool_errors: number;
  total_tokens: number | null;
  /** Distinct tool names the model called. */
  tools: string[];
  labels: string[];
}

/** Per-pair fields for the pairs list and its filters. */
export interface PairSummary {
  id: string;
  task_id: string;
  kind: string;
  depth: number;
  gap: number;
  chosen_score: number;
  rejected_score: number;
  parent_visits: number;
  chosen_visits: number;
  rejected_visits: number;
  chosen_tools: string[];
  rejected_tools: string[];
  /** Node ids from below the root to the decision node (as `sealign pairs` writes them). */
  node_path: string[];
  /** The decision node, and the chosen / rejected children, when the pair records them. */
  decision_node_id: string | null;
  chosen_node_ids: string[];
  rejected_node_ids: string[];
  chosen_trajectory_ids: string[];
  rejected_trajectory_ids: string[];
  /** A one-line preview of each side's action (first tool call or text), for search and lists. */
  chosen_preview: string;
  rejected_preview: string;
}

function countPatchLines(patch: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of patch.split("\n")) {
    if (line.startsWith("+++") || line.startsWith("---")) continue;
    if (line.startsWith("+")) added++;
    else if (line.startsWith("-")) removed++;
  }
  return { added, removed };
}

export function summarizeTrajectory(trajectory: Trajectory, fallbackRun: string): TrajectorySummary {
  const tools = new Set<string>();
  for (const message of trajectory.messages) {
    if (message.role === "assistant")
      for (const call of message.tool_calls ?? []) tools.add(call.function.name);
  }
  const metrics = trajectoryMetrics(trajectory);
  const patch = trajectory.patch;
  const lines = patch ? countPatchLines(patch) : { added: 0, removed: 0 };
  return {
    id: trajectory.id,
    task_id: trajectory.task_id,
    run: trajectory.provenance.run_id ?? fallbackRun,
    model: trajectory.provenance.model,
    sample_index: trajectory.provenance.sample_index ?? null,
    resolved: trajectory.outcome.resolved,
    exit_reason: trajectory.outcome.exit_reason,
    patch: patch === null ? "unknown" : patch.trim() === "" ? "empty" : "present",
    added: lines.added,
    removed: lines.removed,
    stuck: metrics.stuck,
    invalid_patch: metrics.invalid_patch,
    turns: metrics.turns,
    tool_errors: metrics.tool_errors,
    total_tokens: metrics.tokens,
    tools: [...tools].sort(),
    labels: trajectory.outcome.labels,
  };
}

function preview(message: Pair["chosen"][number] | undefined): string {
  if (message?.role !== "assistant") return "";
  const call = message.tool_calls?.[0];
  const text = call
    ? `${call.function.name} ${call.function.arguments}`
    : typeof message.content === "string"
      ? message.content
      : "";
  return text.replace(/\s+/g, " ").slice(0, 200);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function summarizePair(pair: Pair): PairSummary {
  const { meta } = pair;
  return {
    id: pair.id,
    task_id: pair.task_id,
    kind: pair.kind,
    depth: meta.depth,
    gap: meta.gap,
    chosen_score: meta.chosen_score,
    rejected_score: meta.rejected_score,
    parent_visits: meta.parent_visits,
    chosen_visits: meta.chosen_visits,
    rejected_visits: meta.rejected_visits,
    chosen_tools: meta.chosen_tools,
    rejected_tools: meta.rejected_tools,
    node_path: meta.node_path,
    decision_node_id: typeof meta["decision_node_id"] === "string" ? meta["decision_node_id"] : null,
    chosen_node_ids: stringList(meta["chosen_node_ids"]),
    rejected_node_ids: stringList(meta["rejected_node_ids"]),
    chosen_trajectory_ids: meta.chosen_trajectory_ids,
    rejected_trajectory_ids: meta.rejected_trajectory_ids,
    chosen_preview: preview(pair.chosen[0]),
    rejected_preview: preview(pair.rejected[0]),
  };
}
