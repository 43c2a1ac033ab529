import { type GroupMetrics, RATE_KEYS, RATE_LABELS, type RunMetrics } from "./metrics.js";

/** One row of the comparison: how to read a figure from a run, and how to show it. */
export interface MetricRow {
  key: string;
  label: string;
  kind: "rate" | "number" | "count";
  get: (m: GroupMetrics & { tasks?: number }) => number | null;
}

export const METRIC_ROWS: MetricRow[] = [
  ...RATE_KEYS.map(
    (k): MetricRow => ({
      key: `${k}_rate`,
      label: k === "tool_error" ? "tool-error rate (per call)" : `${RATE_LABELS[k]} rate`,
      kind: "rate",
      get: (m) => m.rates[k],
    }),
  ),
  {
    key: "with_tool_errors_rate",
    label: "trajectories with a tool error",
    kind: "rate",
    get: (m) => (m.trajectories ? m.with_tool_errors / m.trajectories : null),
  },
  { key: "turns_mean", label: "turns (mean)", kind: "number", get: (m) => m.turns.mean },
  { key: "turns_median", label: "turns (median)", kind: "number", get: (m) => m.turns.median },
  { key: "tokens_mean", label: "tokens per trajectory (mean)", kind: "number", get: (m) => m.tokens.mean },
  {
    key: "tokens_total",
    label: "tokens (total)",
    kind: "count",
    get: (m) => (m.tokens.n ? m.tokens.total : null),
  },
  {
    key: "cost_total",
    label: "cost USD (total)",
    kind: "number",
    get: (m) => (m.cost_usd.n ? m.cost_usd.total : null),
  },
  { key: "cost_mean", label: "cost USD per trajectory", kind: "number", get: (m) => m.cost_usd.mean },
  { key: "seconds_mean", label: "wall time per trajectory (s)", kind: "number", get: (m) => m.seconds.mean },
  {
    key: "seconds_total",
    label: "wall time (total, s)",
    kind: "number",
    get: (m) => (m.seconds.n ? m.seconds.total : null),
  },
  { key: "trajectories", label: "trajectories", kind: "count", get: (m) => m.trajectories },
  { key: "tasks", label: "tasks", kind: "count", get: (m) => m.tasks ?? null },
  { key: "unvalidated", label: "not validated", kind: "count", get: (m) => m.unvalidated },
];

/** A task whose resolved rate differs between the baseline and another run. */
export interface TaskChange {
  task_id: string;
  baseline: number | null;
  /** Resolved rate per compared run (by run name); null when the run has no trajectory of the task. */
  runs: Record<string, number | null>;
  /** Largest change against the baseline, in rate units. */
  max_delta: number;
}

export interface Comparison {
  baseline: string;
  runs: { name: string; source: string; overall: Record<string, number | null> }[];
  /** run name -> metric key -> run minus baseline (null when either is unknown). */
  deltas: Record<string, Record<string, number | null>>;
  task_changes: TaskChange[];
  /** Per run against the baseline: tasks resolved at least once only in the run, or only in the baseline. */
  tasks_gained: Record<string, string[]>;
  tasks_lost: Record<string, string[]>;
}

const values = (run: RunMetrics) =>
  Object.fromEntries(METRIC_ROWS.map((row) => [row.key, row.get(run.overall)]));

/** Compare runs against a baseline (the first run unless named). */
export function compareRuns(runs: RunMetrics[], baselineName?: string): Comparison {
  const baseline = runs.find((r) => r.name === baselineName) ?? runs[0]!;
  const base = values(baseline);
  const deltas: Comparison["deltas"] = {};
  const gained: Record<string, string[]> = {};
  const lost: Record<string, string[]> = {};
  const taskIds = new Set(runs.flatMap((r) => Object.keys(r.tasks)));
  const rateOf = (run: RunMetrics, task: string) => run.tasks[task]?.rates.resolved ?? null;
  for (const run of runs) {
    if (run === baseline) continue;
    const mine = values(run);
    deltas[run.name] = Object.fromEntries(
      METRIC_ROWS.map((row) => {
        const a = mine[row.key];
        const b = base[row.key];
        return [row.key, a === null || a === undefined || b === null || b === undefined ? null : a - b];
      }),
    );
    gained[run.name] = [...taskIds]
      .filter((t) => (rateOf(run, t) ?? 0) > 0 && (rateOf(baseline, t) ?? 0) === 0)
      .sort();
    lost[run.name] = [...taskIds]
      .filter((t) => (rateOf(run, t) ?? 0) === 0 && (rateOf(baseline, t) ?? 0) > 0)
      .sort();
  }
  const changes: TaskChange[] = [];
  for (const task of [...taskIds].sort()) {
    const b = rateOf(baseline, task);
    const others = Object.fromEntries(
      runs.filter((r) => r !== baseline).map((r) => [r.name, rateOf(r, task)]),
    );
    const maxDelta = Math.max(0, ...Object.values(others).map((v) => Math.abs((v ?? 0) - (b ?? 0))));
    if (maxDelta > 0) changes.push({ task_id: task, baseline: b, runs: others, max_delta: maxDelta });
  }
  changes.sort((x, y) => y.max_delta - x.max_delta || x.task_id.localeCompare(y.task_id));
  return {
    baseline: baseline.name,
    runs: runs.map((r) => ({ name: r.name, source: r.source, overall: values(r) })),
    deltas,
    task_changes: changes,
    tasks_gained: gained,
    tasks_lost: lost,
  };
}
