import {
  clip,
  esc,
  formatTick,
  frame,
  legend,
  legendLayout,
  niceTicks,
  open,
  PALETTE,
  r,
  yAxis,
} from "./svg.js";

export interface BarChartOptions {
  title: string;
  /** One label per group of bars (the x axis). */
  categories: string[];
  /** One series per compared run: `values[i]` belongs to `categories[i]` (null = not known). */
  series: { name: string; values: (number | null)[] }[];
  yLabel?: string;
  /** Values are fractions, shown as percentages. */
  percent?: boolean;
  /** Run the y axis up to 100% for percentages (default true; a histogram's shares look better zoomed). */
  fullScale?: boolean;
  xLabel?: string;
  width?: number;
  height?: number;
  /** Print each bar's value above it (default true). */
  labels?: boolean;
}

/**
 * A grouped bar chart as an SVG string: one group per category, one coloured bar per series,
 * values printed on the bars so the picture can be read without the table.
 */
export function barChart(options: BarChartOptions): string {
  const width =
    options.width ?? Math.max(560, 120 + options.categories.length * (40 + 28 * options.series.length));
  const height = options.height ?? 380;
  const names = options.series.map((s) => s.name);
  const f = frame(width, height, legendLayout(width, names).length);
  const values = options.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(options.percent && options.fullScale !== false ? 1 : 0, ...values, 0);
  const min = Math.min(0, ...values);
  const ticks = niceTicks(min, max || 1, 5);
  const axis = yAxis(f, ticks, options.yLabel ?? "", Boolean(options.percent));
  const out = [...open(f, options.title), ...legend(f, names), ...axis.svg];
  const groupWidth = (f.right - f.left) / Math.max(1, options.categories.length);
  const barWidth = Math.min(48, (groupWidth * 0.8) / Math.max(1, options.series.length));
  const zero = axis.y(0);
  if (min < 0)
    out.push(`<line x1="${f.left}" x2="${f.right}" y1="${r(zero)}" y2="${r(zero)}" stroke="#888"/>`);
  options.categories.forEach((category, c) => {
    const groupLeft = f.left + c * groupWidth + (groupWidth - barWidth * options.series.length) / 2;
    options.series.forEach((series, s) => {
      const value = series.values[c];
      const x = groupLeft + s * barWidth;
      if (value === null || value === undefined || !Number.isFinite(value)) {
        out.push(
          `<text x="${r(x + barWidth / 2)}" y="${r(zero - 4)}" font-size="11" text-anchor="middle" fill="#999">n/a</text>`,
        );
        return;
      }
      const y = axis.y(value);
      const top = Math.min(y, zero);
      out.push(
        `<rect x="${r(x + 1)}" y="${r(top)}" width="${r(barWidth - 2)}" height="${r(Math.max(0.5, Math.abs(zero - y)))}" fill="${PALETTE[s % PALETTE.length]}"><title>${esc(`${series.name}: ${formatTick(value, options.percent)}`)}</title></rect>`,
      );
      if (options.labels !== false) {
        out.push(
          `<text x="${r(x + barWidth / 2)}" y="${r(value < 0 ? y + 14 : top - 4)}" font-size="${barWidth < 26 ? 9.5 : 11}" text-anchor="middle" fill="#333">${esc(formatTick(value, options.percent))}</text>`,
        );
      }
    });
    // Long category names wrap onto a second line before anything is clipped.
    const cx = r(f.left + (c + 0.5) * groupWidth);
    const lines = wrapLabel(category, Math.max(6, Math.floor(groupWidth / 7.5)));
    const spans = lines
      .map((line, i) => `<tspan x="${cx}" dy="${i === 0 ? 0 : 14}">${esc(line)}</tspan>`)
      .join("");
    out.push(
      `<text x="${cx}" y="${r(f.bottom + 20)}" font-size="12.5" text-anchor="middle" fill="#333">${spans}</text>`,
    );
  });
  if (options.xLabel)
    out.push(
      `<text x="${r((f.left + f.right) / 2)}" y="${r(f.bottom + 42)}" font-size="13" text-anchor="middle" fill="#333">${esc(options.xLabel)}</text>`,
    );
  out.push("</svg>");
  return out.join("\n");
}

/** A label as at most two lines of at most `max` characters, split between words when it can be. */
function wrapLabel(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const words = text.split(" ");
  let first = "";
  while (words.length > 0 && (first ? `${first} ${words[0]}` : words[0]!).length <= max) {
    first = first ? `${first} ${words.shift()}` : words.shift()!;
  }
  if (!first) return [clip(text, max)];
  return [first, clip(words.join(" "), max)];
}
