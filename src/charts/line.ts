import { esc, formatTick, frame, legend, legendLayout, niceTicks, open, PALETTE, r, yAxis } from "./svg.js";

export interface LineChartOptions {
  title: string;
  /** One line per series, points in x order (e.g. a training loss by step). */
  series: { name: string; points: { x: number; y: number }[] }[];
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** A line chart of one or more series as an SVG string (loss curves, rates over checkpoints). */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 380;
  const names = options.series.map((s) => s.name);
  const f = frame(width, height, legendLayout(width, names).length);
  const points = options.series
    .flatMap((s) => s.points)
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const yTicks = niceTicks(Math.min(...ys, 0), Math.max(...ys, 1e-9), 5);
  const xTicks = niceTicks(Math.min(...xs, 0), Math.max(...xs, 1), 6);
  const axis = yAxis(f, yTicks, options.yLabel ?? "", false);
  const x0 = xTicks[0]!;
  const x1 = xTicks[xTicks.length - 1]!;
  const x = (v: number) => f.left + ((v - x0) / (x1 - x0 || 1)) * (f.right - f.left);
  const out = [...open(f, options.title), ...legend(f, names), ...axis.svg];
  for (const t of xTicks) {
    out.push(
      `<text x="${r(x(t))}" y="${r(f.bottom + 18)}" font-size="12" text-anchor="middle" fill="#444">${esc(formatTick(t))}</text>`,
    );
  }
  if (options.xLabel)
    out.push(
      `<text x="${r((f.left + f.right) / 2)}" y="${r(f.bottom + 40)}" font-size="13" text-anchor="middle" fill="#333">${esc(options.xLabel)}</text>`,
    );
  options.series.forEach((series, s) => {
    const valid = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    if (valid.length === 0) return;
    const d = valid.map((p, i) => `${i ? "L" : "M"}${r(x(p.x))} ${r(axis.y(p.y))}`).join(" ");
    const colour = PALETTE[s % PALETTE.length];
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    if (valid.length <= 40)
      for (const p of valid)
        out.push(`<circle cx="${r(x(p.x))}" cy="${r(axis.y(p.y))}" r="2.5" fill="${colour}"/>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
