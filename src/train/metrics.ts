/**
 * Training metrics as the trainer logs them: one record per log step, from the
 * `SEALIGN_METRICS {json}` lines of python/trl_train.py, stored in `metrics.jsonl`.
 */
export interface MetricRecord {
  stage: "sft" | "dpo";
  step: number;
  max_steps?: number;
  [key: string]: unknown;
}

const PREFIX = "SEALIGN_METRICS ";

/** Parse a trainer output line into a metrics record, or null for any other line. */
export function parseMetricsLine(line: string, stage: "sft" | "dpo"): MetricRecord | null {
  const at = line.indexOf(PREFIX);
  if (at < 0) return null;
  try {
    const value = JSON.parse(line.slice(at + PREFIX.length)) as Record<string, unknown>;
    if (typeof value.step !== "number") return null;
    return { ...value, stage, step: value.step };
  } catch {
    return null;
  }
}

/**
 * The last record per (stage, step), in step order: after a resume the trainer logs the
 * steps since the checkpoint again, and the later values are the ones the model has.
 */
export function latestPerStep(records: MetricRecord[], stage: "sft" | "dpo"): MetricRecord[] {
  const byStep = new Map<number, MetricRecord>();
  for (const r of records) if (r.stage === stage) byStep.set(r.step, { ...byStep.get(r.step), ...r });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** The (step, value) series of one metric. */
export function series(records: MetricRecord[], key: string): { x: number; y: number }[] {
  return records
    .filter((r) => typeof r[key] === "number" && Number.isFinite(r[key] as number))
    .map((r) => ({ x: r.step, y: r[key] as number }));
}

/** A one-line progress message for a metrics record. */
export function progressLine(r: MetricRecord): string {
  const parts = [`${r.stage} step ${r.step}${r.max_steps ? `/${r.max_steps}` : ""}`];
  for (const key of ["loss", "rewards/margins", "rewards/accuracies", "train_loss", "train_runtime"]) {
    const v = r[key];
    if (typeof v === "number") parts.push(`${key} ${Number(v.toPrecision(4))}`);
  }
  return parts.join("  ");
}
