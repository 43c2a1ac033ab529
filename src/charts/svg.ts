/**
 * Shared pieces of sealign's SVG charts: escaping, "nice" axis ticks, a colour-blind-safe
 * palette (Okabe-Ito), and the frame (title, axes, legend). Charts are plain SVG strings with
 * fonts named generically so they render the same in a browser and through resvg.
 */

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#F0E442",
  "#000000",
];

export const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round a number for SVG coordinates. */
export function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** About `count` evenly spaced round tick values covering [min, max] (1, 2, 2.5 or 5 x 10^k). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min, min + 1];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  // toPrecision drops floating-point noise (3 * 0.2 = 0.6000000000000001).
  const clean = (v: number) => Number((Math.round(v / step) * step).toPrecision(12));
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(clean(v));
  if (ticks[ticks.length - 1]! < max) ticks.push(clean(ticks[ticks.length - 1]! + step));
  return ticks;
}

/** Format a tick value without floating-point noise. */
export function formatTick(value: number, percent = false): string {
  if (percent) return `${Math.round(value * 1000) / 10}%`;
  if (Math.abs(value) >= 1000) return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  // Small values (a DPO reward margin of 2e-5) keep their significant digits instead of all
  // rounding to "0".
  if (value !== 0 && Math.abs(value) < 0.001) return String(Number(value.toPrecision(3)));
  return String(Math.round(value * 1000) / 1000);
}

export interface Frame {
  width: number;
  height: number;
  /** Plot area. */
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A frame with room for the title, axis labels and a legend under the title. */
export function frame(width: number, height: number, legendRows: number): Frame {
  return { width, height, left: 70, top: 48 + legendRows * 20, right: width - 20, bottom: height - 60 };
}

/** Opening tag, white background and title. */
export function open(f: Frame, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" font-family="${FONT}">`,
    `<rect width="${f.width}" height="${f.height}" fill="#ffffff"/>`,
    `<text x="${r(f.width / 2)}" y="26" font-size="17" font-weight="bold" text-anchor="middle" fill="#222">${esc(title)}</text>`,
  ];
}

/** Horizontal grid lines and y tick labels for values in [ticks[0], ticks[last]]. */
export function yAxis(
  f: Frame,
  ticks: number[],
  label: string,
  percent: boolean,
): { svg: string[]; y: (v: number) => number } {
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const y = (v: number) => f.bottom - ((v - lo) / (hi - lo || 1)) * (f.bottom - f.top);
  const svg = ticks.map(
    (t) =>
      `<line x1="${f.left}" x2="${f.right}" y1="${r(y(t))}" y2="${r(y(t))}" stroke="#e3e3e3"/>` +
      `<text x="${f.left - 8}" y="${r(y(t) + 4)}" font-size="12" text-anchor="end" fill="#444">${esc(formatTick(t, percent))}</text>`,
  );
  svg.push(
    `<line x1="${f.left}" x2="${f.right}" y1="${r(f.bottom)}" y2="${r(f.bottom)}" stroke="#888"/>`,
    `<text transform="translate(16 ${r((f.top + f.bottom) / 2)}) rotate(-90)" font-size="13" text-anchor="middle" fill="#333">${esc(label)}</text>`,
  );
  return { svg, y };
}

/** A one-line legend centred under the title (wrapping to more rows when needed). */
export function legend(f: Frame, names: string[]): string[] {
  if (names.length <= 1) return [];
  const svg: string[] = [];
  const rows = legendLayout(f.width, names);
  rows.forEach((row, rowIndex) => {
    const widthOf = (n: string) => 26 + n.length * 7.2 + 14;
    const total = row.reduce((s, i) => s + widthOf(names[i]!), 0);
    let x = (f.width - total) / 2;
    for (const i of row) {
      const y = 44 + rowIndex * 20;
      svg.push(
        `<rect x="${r(x)}" y="${y - 10}" width="14" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`,
        `<text x="${r(x + 20)}" y="${y}" font-size="12.5" fill="#333">${esc(names[i]!)}</text>`,
      );
      x += widthOf(names[i]!);
    }
  });
  return svg;
}

/** Which series go on which legend row. */
export function legendLayout(width: number, names: string[]): number[][] {
  if (names.length <= 1) return [];
  const rows: number[][] = [[]];
  let used = 0;
  names.forEach((name, i) => {
    const w = 26 + name.length * 7.2 + 14;
    if (used + w > width - 40 && rows[rows.length - 1]!.length > 0) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1]!.push(i);
    used += w;
  });
  return rows;
}

/** Shorten a label to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
