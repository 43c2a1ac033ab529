import { barChart } from "./bar.js";

export interface HistogramOptions {
  title: string;
  /** One sample per compared run. */
  series: { name: string; values: number[] }[];
  xLabel?: string;
  /** Number of bins (default: about 12, fewer for small integer ranges). */
  bins?: number;
  /** Show each bin as a share of its series (default) rather than a count, so runs of different sizes compare. */
  normalise?: boolean;
  width?: number;
  height?: number;
}

export interface Bin {
  /** Inclusive lower edge. */
  from: number;
  /** Exclusive upper edge (inclusive for the last bin). */
  to: number;
  label: string;
}

/** Shared bins over all series: integer-aligned when every value is an integer (turns). */
export function histogramBins(values: number[], wanted = 12): Bin[] {
  if (values.length === 0) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const integers = values.every(Number.isInteger);
  let width = (hi - lo) / wanted || 1;
  if (integers) width = Math.max(1, Math.ceil(width));
  const count = Math.max(1, Math.floor((hi - lo) / width) + 1);
  return Array.from({ length: count }, (_, i) => {
    const from = lo + i * width;
    const to = from + width;
    const label = integers
      ? width === 1
        ? String(from)
        : `${from}–${to - 1}`
      : `${Math.round(from * 100) / 100}–${Math.round(to * 100) / 100}`;
    return { from, to, label };
  });
}

/** Count of values per bin. */
export function binCounts(values: number[], bins: Bin[]): number[] {
  const counts = bins.map(() => 0);
  for (const v of values) {
    let i = bins.findIndex((b) => v >= b.from && v < b.to);
    if (i === -1 && bins.length > 0 && v >= bins[bins.length - 1]!.from) i = bins.length - 1;
    if (i >= 0) counts[i]!++;
  }
  return counts;
}

/** A histogram of one or more samples as grouped bars over shared bins (an SVG string). */
export function histogram(options: HistogramOptions): string {
  const bins = histogramBins(
    options.series.flatMap((s) => s.values),
    options.bins ?? 12,
  );
  const normalise = options.normalise !== false;
  return barChart({
    title: options.title,
    categories: bins.map((b) => b.label),
    series: options.series.map((s) => {
      const counts = binCounts(s.values, bins);
      return {
        name: s.name,
        values: counts.map((c) => (normalise ? (s.values.length ? c / s.values.length : 0) : c)),
      };
    }),
    yLabel: normalise ? "share of trajectories" : "trajectories",
    xLabel: options.xLabel,
    percent: normalise,
    fullScale: false,
    labels: options.series.length * bins.length <= 24,
    width: options.width ?? Math.max(640, 100 + bins.length * (16 + 16 * options.series.length)),
    height: options.height,
  });
}
