import { steps } from "../schema/steps.js";
import type { Trajectory } from "../schema/trajectory.js";
import { repeatsSameAction } from "../tree/stuck.js";

/** The paper's measures of one trajectory (METHOD.md section 1, "Metric definitions"). */
export interface TrajectoryMetrics {
  id: string;
  task_id: string;
  /** The final patch makes the task's tests pass; null when never validated. */
  resolved: boolean | null;
  /** No file of the repository edited (patch ""); null when the patch is unknown. */
  empty_patch: boolean | null;
  /** The exact same action 3 times in a row (the paper's rule). */
  stuck: boolean;
  /** HumanEvalFix's "invalid patch": empty, unknown, or not applicable to the base. */
  invalid_patch: boolean;
  tool_calls: number;
  tool_errors: number;
  turns: number;
  tokens: number | null;
  cost_usd: number | null;
  seconds: number | null;
}

export function trajectoryMetrics(t: Trajectory): TrajectoryMetrics {
  const view = steps(t);
  const empty = t.patch === null ? null : t.patch.trim() === "";
  const report = t.outcome.report;
  const notApplied = Boolean(report?.patch_exists && !report.patch_successfully_applied);
  const tokens =
    t.usage.total_tokens ??
    (t.usage.prompt_tokens !== null && t.usage.completion_tokens !== null
      ? t.usage.prompt_tokens + t.usage.completion_tokens
      : null);
  return {
    id: t.id,
    task_id: t.task_id,
    resolved: t.outcome.resolved,
    empty_patch: empty,
    stuck: repeatsSameAction(view, 3),
    invalid_patch: empty !== false || notApplied,
    tool_calls: view.reduce((n, s) => n + s.calls.length, 0),
    tool_errors: t.usage.tool_errors,
    turns: t.usage.turns,
    tokens,
    cost_usd: t.usage.cost_usd,
    seconds: t.usage.seconds,
  };
}

/** Mean, median, 90th percentile and max of a sample (all null when it is empty). */
export interface Spread {
  n: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
  max: number | null;
  total: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { n: 0, mean: null, median: null, p90: null, max: null, total: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  const total = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    mean: total / sorted.length,
    median: at(0.5),
    p90: at(0.9),
    max: sorted[sorted.length - 1]!,
    total,
  };
}

/** The rates every comparison shows, in display order. */
export const RATE_KEYS = ["resolved", "empty_patch", "stuck", "invalid_patch", "tool_error"] as const;
export type RateKey = (typeof RATE_KEYS)[number];
export const RATE_LABELS: Record<RateKey, string> = {
  resolved: "resolved",
  empty_patch: "empty patch",
  stuck: "stuck in loop",
  invalid_patch: "invalid patch",
  tool_error: "tool errors / call",
};

/** A group's measures: a whole run, or one task of it. */
export interface GroupMetrics {
  trajectories: number;
  /** Fractions of all trajectories, except tool_error (failed tool calls / tool calls). */
  rates: Record<RateKey, number | null>;
  /** Trajectories never validated (resolved unknown): counted as not resolved in `resolved`. */
  unvalidated: number;
  /** Trajectories with at least one failed tool call. */
  with_tool_errors: number;
  turns: Spread;
  tokens: Spread;
  cost_usd: Spread;
  seconds: Spread;
}

const rate = (n: number, of: number): number | null => (of > 0 ? n / of : null);

export function groupMetrics(items: TrajectoryMetrics[]): GroupMetrics {
  const n = items.length;
  const count = (pick: (m: TrajectoryMetrics) => boolean) => items.filter(pick).length;
  const calls = items.reduce((s, m) => s + m.tool_calls, 0);
  const errors = items.reduce((s, m) => s + m.tool_errors, 0);
  const known = (pick: (m: TrajectoryMetrics) => number | null) =>
    items.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
  return {
    trajectories: n,
    rates: {
      resolved: rate(
        count((m) => m.resolved === true),
        n,
      ),
      empty_patch: rate(
        count((m) => m.empty_patch === true),
        n,
      ),
      stuck: rate(
        count((m) => m.stuck),
        n,
      ),
      invalid_patch: rate(
        count((m) => m.invalid_patch),
        n,
      ),
      tool_error: rate(errors, Math.max(calls, errors)),
    },
    unvalidated: count((m) => m.resolved === null),
    with_tool_errors: count((m) => m.tool_errors > 0),
    turns: spread(items.map((m) => m.turns)),
    tokens: spread(known((m) => m.tokens)),
    cost_usd: spread(known((m) => m.cost_usd)),
    seconds: spread(known((m) => m.seconds)),
  };
}

/** One run's measures, overall and per task. */
export interface RunMetrics {
  name: string;
  source: string;
  overall: GroupMetrics & { tasks: number };
  tasks: Record<string, GroupMetrics>;
  /** Per-trajectory turns, kept for the histogram. */
  turns: number[];
}

export function runMetrics(name: string, source: string, items: TrajectoryMetrics[]): RunMetrics {
  const byTask = new Map<string, TrajectoryMetrics[]>();
  for (const m of items) {
    const list = byTask.get(m.task_id) ?? [];
    list.push(m);
    byTask.set(m.task_id, list);
  }
  const tasks: Record<string, GroupMetrics> = {};
  for (const id of [...byTask.keys()].sort()) tasks[id] = groupMetrics(byTask.get(id)!);
  return {
    name,
    source,
    overall: { ...groupMetrics(items), tasks: byTask.size },
    tasks,
    turns: items.map((m) => m.turns),
  };
}
