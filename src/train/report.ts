import { join } from "node:path";
import { lineChart } from "../charts/line.js";
import { svgToPng } from "../charts/png.js";
import { writeFileAtomic } from "../io/atomic.js";
import { latestPerStep, type MetricRecord, series } from "./metrics.js";

/** What one stage did, read from its logged metrics. */
export interface StageSummary {
  steps: number;
  first_loss: number | null;
  last_loss: number | null;
  train_runtime_s: number | null;
  /** Input tokens the trainer saw (num_input_tokens_seen) per second of training. */
  tokens_per_second: number | null;
  tokens_seen: number | null;
  samples_per_second: number | null;
  /** DPO: chosen-minus-rejected reward margin and preference accuracy, first and last log. */
  first_margin?: number | null;
  last_margin?: number | null;
  first_accuracy?: number | null;
  last_accuracy?: number | null;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function summariseStage(records: MetricRecord[], stage: "sft" | "dpo"): StageSummary | null {
  const rows = latestPerStep(records, stage);
  if (rows.length === 0) return null;
  const stepRows = rows.filter((r) => num(r.loss) !== null);
  const final = [...rows].reverse().find((r) => num(r.train_runtime) !== null);
  const tokens = [...rows]
    .reverse()
    .find((r) => num(r.num_input_tokens_seen) !== null)?.num_input_tokens_seen;
  const runtime = num(final?.train_runtime);
  const summary: StageSummary = {
    steps: Math.max(...rows.map((r) => r.step)),
    first_loss: num(stepRows[0]?.loss),
    last_loss: num(stepRows.at(-1)?.loss),
    train_runtime_s: runtime,
    tokens_seen: num(tokens),
    tokens_per_second: runtime && num(tokens) ? (tokens as number) / runtime : null,
    samples_per_second: num(final?.train_samples_per_second),
  };
  if (stage === "dpo") {
    const margins = series(rows, "rewards/margins");
    const accuracies = series(rows, "rewards/accuracies");
    summary.first_margin = margins[0]?.y ?? null;
    summary.last_margin = margins.at(-1)?.y ?? null;
    summary.first_accuracy = accuracies[0]?.y ?? null;
    summary.last_accuracy = accuracies.at(-1)?.y ?? null;
  }
  return summary;
}

/** Write loss curves (SVG + PNG) and report.md into the run folder; returns the chart files. */
export async function writeTrainReport(
  dir: string,
  records: MetricRecord[],
  summaries: Partial<Record<"sft" | "dpo", StageSummary | null>>,
  provenance: Record<string, unknown>,
): Promise<string[]> {
  const charts: {
    file: string;
    title: string;
    series: { name: string; key: string; stage: "sft" | "dpo" }[];
  }[] = [
    { file: "loss-sft", title: "SFT training loss", series: [{ name: "loss", key: "loss", stage: "sft" }] },
    { file: "loss-dpo", title: "DPO training loss", series: [{ name: "loss", key: "loss", stage: "dpo" }] },
    // One axis per quantity: the margin is ~1e-5 early on, the accuracy a fraction up to 1; on
    // one axis the margin was a flat line at "0".
    {
      file: "rewards-dpo",
      title: "DPO reward margin (chosen - rejected)",
      series: [{ name: "chosen - rejected margin", key: "rewards/margins", stage: "dpo" }],
    },
    {
      file: "accuracy-dpo",
      title: "DPO preference accuracy",
      series: [{ name: "preference accuracy", key: "rewards/accuracies", stage: "dpo" }],
    },
  ];
  const written: string[] = [];
  for (const chart of charts) {
    const lines = chart.series
      .map((s) => ({ name: s.name, points: series(latestPerStep(records, s.stage), s.key) }))
      .filter((s) => s.points.length > 0);
    if (lines.length === 0) continue;
    const svg = lineChart({ title: chart.title, series: lines, xLabel: "step" });
    await writeFileAtomic(join(dir, `${chart.file}.svg`), svg);
    await writeFileAtomic(join(dir, `${chart.file}.png`), svgToPng(svg));
    written.push(`${chart.file}.png`);
  }
  const fmt = (v: number | null | undefined, digits = 4) =>
    v === null || v === undefined ? "-" : Number(v.toPrecision(digits));
  const lines = ["# Training report", ""];
  for (const stage of ["sft", "dpo"] as const) {
    const s = summaries[stage];
    if (!s) continue;
    lines.push(`## ${stage.toUpperCase()}`, "");
    lines.push(`- steps: ${s.steps}; loss ${fmt(s.first_loss)} -> ${fmt(s.last_loss)}`);
    lines.push(
      `- runtime: ${fmt(s.train_runtime_s)} s; ${fmt(s.tokens_per_second)} tokens/s (${fmt(s.tokens_seen, 8)} tokens seen)`,
    );
    if (stage === "dpo")
      lines.push(
        `- reward margin (chosen - rejected): ${fmt(s.first_margin)} -> ${fmt(s.last_margin)}; accuracy ${fmt(s.first_accuracy)} -> ${fmt(s.last_accuracy)}`,
      );
    lines.push("");
    for (const file of written.filter((f) => f.endsWith(`-${stage}.png`)))
      lines.push(`![${file}](${file})`, "");
  }
  lines.push("## Provenance", "", "```json", JSON.stringify(provenance, null, 2), "```", "");
  await writeFileAtomic(join(dir, "report.md"), lines.join("\n"));
  return written;
}
