import { type Comparison, METRIC_ROWS, type MetricRow } from "./compare.js";
import type { RunMetrics } from "./metrics.js";

function formatValue(value: number | null | undefined, kind: MetricRow["kind"]): string {
  if (value === null || value === undefined) return "–";
  if (kind === "rate") return `${(value * 100).toFixed(1)}%`;
  if (kind === "count") return Math.round(value).toLocaleString("en-US");
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 1 || magnitude === 0) return value.toFixed(magnitude >= 10 ? 1 : 2);
  return String(Number(value.toPrecision(2))); // small costs: 0.0042, not 0.00
}

function formatDelta(delta: number | null | undefined, kind: MetricRow["kind"]): string {
  if (delta === null || delta === undefined) return "";
  const sign = delta > 0 ? "+" : delta < 0 ? "−" : "±";
  const magnitude = Math.abs(delta);
  if (kind === "rate") return ` (${sign}${(magnitude * 100).toFixed(1)} pp)`;
  return ` (${sign}${formatValue(magnitude, kind)})`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

/**
 * The comparison as Markdown: the metric table (each run beside the baseline, deltas in
 * brackets; rates in percentage points), then the tasks whose resolved rate moved.
 */
export function comparisonMarkdown(comparison: Comparison, options: { maxTasks?: number } = {}): string {
  const names = comparison.runs.map((r) => r.name);
  const lines: string[] = [];
  const several = names.length > 1;
  lines.push(several ? `## Runs compared (baseline: ${comparison.baseline})` : `## Run ${names[0]}`, "");
  lines.push(
    `| metric | ${names.map((n) => cell(n + (several && n === comparison.baseline ? " (baseline)" : ""))).join(" | ")} |`,
  );
  lines.push(`|---|${names.map(() => "---:").join("|")}|`);
  for (const row of METRIC_ROWS) {
    const cells = comparison.runs.map((run) => {
      const value = formatValue(run.overall[row.key], row.kind);
      return run.name === comparison.baseline
        ? value
        : value + formatDelta(comparison.deltas[run.name]?.[row.key], row.kind);
    });
    if (cells.every((c) => c === "–")) continue;
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  lines.push("", "Sources:", ...comparison.runs.map((r) => `- ${cell(r.name)}: \`${r.source}\``));
  if (several) {
    lines.push("");
    for (const name of names.filter((n) => n !== comparison.baseline)) {
      const gained = comparison.tasks_gained[name] ?? [];
      const lost = comparison.tasks_lost[name] ?? [];
      lines.push(
        `${cell(name)} against ${cell(comparison.baseline)}: ${gained.length} tasks newly resolved, ${lost.length} no longer resolved.`,
      );
    }
    const max = options.maxTasks ?? 30;
    if (comparison.task_changes.length > 0) {
      const others = names.filter((n) => n !== comparison.baseline);
      lines.push(
        "",
        `### Tasks whose resolved rate changed (${comparison.task_changes.length}${comparison.task_changes.length > max ? `, largest ${max} shown` : ""})`,
        "",
      );
      lines.push(`| task | ${cell(comparison.baseline)} | ${others.map(cell).join(" | ")} |`);
      lines.push(`|---|---:|${others.map(() => "---:").join("|")}|`);
      for (const change of comparison.task_changes.slice(0, max)) {
        const b = formatValue(change.baseline, "rate");
        const rest = others.map(
          (n) =>
            formatValue(change.runs[n], "rate") +
            formatDelta(
              change.runs[n] === null || change.baseline === null ? null : change.runs[n]! - change.baseline,
              "rate",
            ),
        );
        lines.push(`| ${cell(change.task_id)} | ${b} | ${rest.join(" | ")} |`);
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Every task's figures, one row per task: for one run its rates and turns; for several, each
 * run's resolved rate (and number of trajectories) side by side.
 */
export function perTaskMarkdown(runs: RunMetrics[]): string {
  const tasks = [...new Set(runs.flatMap((r) => Object.keys(r.tasks)))].sort();
  const pct = (v: number | null | undefined) => formatValue(v, "rate");
  const lines: string[] = ["### Per task", ""];
  if (runs.length === 1) {
    const run = runs[0]!;
    lines.push("| task | trajectories | resolved | empty patch | stuck | invalid patch | turns (mean) |");
    lines.push("|---|---:|---:|---:|---:|---:|---:|");
    for (const id of tasks) {
      const t = run.tasks[id]!;
      lines.push(
        `| ${cell(id)} | ${t.trajectories} | ${pct(t.rates.resolved)} | ${pct(t.rates.empty_patch)} | ${pct(t.rates.stuck)} | ${pct(t.rates.invalid_patch)} | ${formatValue(t.turns.mean, "number")} |`,
      );
    }
  } else {
    lines.push(`| task | ${runs.map((r) => `${cell(r.name)} resolved (n)`).join(" | ")} |`);
    lines.push(`|---|${runs.map(() => "---:").join("|")}|`);
    for (const id of tasks) {
      const cells = runs.map((r) => {
        const t = r.tasks[id];
        return t ? `${pct(t.rates.resolved)} (${t.trajectories})` : "–";
      });
      lines.push(`| ${cell(id)} | ${cells.join(" | ")} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}
