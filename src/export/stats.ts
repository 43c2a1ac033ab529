/** Summary statistics of a list of counts (token lengths), for the dataset card. */
export interface CountStats {
  count: number;
  total: number;
  mean: number;
  min: number;
  median: number;
  p90: number;
  max: number;
}

export function countStats(values: readonly number[]): CountStats {
  if (values.length === 0) return { count: 0, total: 0, mean: 0, min: 0, median: 0, p90: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((a, b) => a + b, 0);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
  return {
    count: sorted.length,
    total,
    mean: Math.round((total / sorted.length) * 10) / 10,
    min: sorted[0]!,
    median: at(0.5),
    p90: at(0.9),
    max: sorted[sorted.length - 1]!,
  };
}
