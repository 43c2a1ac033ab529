import { h, s } from "./dom.js";

const COLORS = ["#2f7d4f", "#b8452e", "#b58a1c", "#3867a8", "#7a4fa0", "#4a8c8c", "#8c6d4a", "#666"];

/**
 * Grouped horizontal bars: one group per label, one bar per series, values 0..1 (rates).
 * @param {{title: string, labels: string[], series: {name: string, values: number[]}[],
 *   href?: (label: number, serie: number) => string}} spec
 */
export function rateBars({ title, labels, series, href }) {
  const barH = 14;
  const gap = 10;
  const left = 110;
  const width = 300;
  const groupH = series.length * barH + gap;
  const height = labels.length * groupH + 30;
  const svg = s("svg", { viewBox: `0 0 ${left + width + 60} ${height}`, class: "chart", role: "img" });
  labels.forEach((label, g) => {
    const y0 = 20 + g * groupH;
    svg.append(
      s("text", { x: left - 8, y: y0 + (series.length * barH) / 2 + 4, "text-anchor": "end" }, short(label)),
    );
    series.forEach((serie, i) => {
      const v = serie.values[g] ?? 0;
      const y = y0 + i * barH;
      svg.append(
        linked(
          href?.(g, i),
          s(
            "rect",
            { x: left, y, width: Math.max(1, v * width), height: barH - 2, fill: COLORS[i % COLORS.length] },
            s("title", null, `${serie.name}: ${(100 * v).toFixed(1)}%`),
          ),
        ),
        s("text", { x: left + v * width + 4, y: y + barH - 4, class: "val" }, `${(100 * v).toFixed(1)}%`),
      );
    });
  });
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", null, title, legend(series.map((x) => x.name))),
    svg,
  );
}

/**
 * An SVG link around a chart mark (a bar opens the trajectories it counts).
 * @param {string | undefined} href
 * @param {SVGElement} mark
 */
function linked(href, mark) {
  return href ? s("a", { href, class: "bar-link" }, mark) : mark;
}

/**
 * Round tick values from 0 to at least `max` (counts: whole numbers).
 * @param {number} max
 * @param {number} [count]
 */
export function countTicks(max, count = 4) {
  const raw = Math.max(1, max) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(
    1,
    [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((x) => x >= raw) ?? 10 * magnitude,
  );
  const ticks = [0];
  for (let v = step; v < max + step; v += step) ticks.push(Math.round(v));
  return ticks;
}

/**
 * Vertical bars (counts) of one or more series over shared bins, with a y-axis of counts.
 * @param {{title: string, bins: string[], series: {name: string, values: number[]}[], yLabel?: string,
 *   href?: (bin: number, serie: number) => string}} spec
 */
export function countBars({ title, bins, series, yLabel, href }) {
  const left = 44;
  const width = 420;
  const height = 150;
  const top = 10;
  const bottom = 30;
  const ticks = countTicks(Math.max(1, ...series.flatMap((x) => x.values)));
  const max = ticks.at(-1) ?? 1;
  const slot = width / bins.length;
  const barW = Math.max(2, (slot - 6) / series.length);
  const y = (/** @type {number} */ v) => height - (v / max) * (height - top);
  const svg = s("svg", {
    viewBox: `0 0 ${left + width + 10} ${height + bottom}`,
    class: "chart",
    role: "img",
  });
  for (const t of ticks) {
    svg.append(
      s("line", { x1: left, x2: left + width, y1: y(t), y2: y(t), class: "grid-line" }),
      s("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end", class: "tick" }, String(t)),
    );
  }
  if (yLabel)
    svg.append(
      s(
        "text",
        {
          x: 10,
          y: height / 2,
          transform: `rotate(-90 10 ${height / 2})`,
          "text-anchor": "middle",
          class: "tick",
        },
        yLabel,
      ),
    );
  bins.forEach((bin, b) => {
    svg.append(s("text", { x: left + b * slot + slot / 2, y: height + 18, "text-anchor": "middle" }, bin));
    series.forEach((serie, i) => {
      const v = serie.values[b] ?? 0;
      svg.append(
        linked(
          v ? href?.(b, i) : undefined,
          s(
            "rect",
            {
              x: left + b * slot + 3 + i * barW,
              y: y(v),
              width: barW - 1,
              height: height - y(v),
              fill: COLORS[i % COLORS.length],
            },
            s("title", null, `${serie.name} ${bin}: ${v}`),
          ),
        ),
      );
    });
  });
  return h(
    "figure",
    { class: "chart-box" },
    h("figcaption", null, title, legend(series.map((x) => x.name))),
    svg,
  );
}

/** @param {string[]} names */
function legend(names) {
  if (names.length < 2) return null;
  return h(
    "span",
    { class: "legend" },
    names.map((name, i) =>
      h("span", null, h("i", { style: `background:${COLORS[i % COLORS.length]}` }), short(name)),
    ),
  );
}

/**
 * Long run keys (file paths) shortened to their tail.
 * @param {string} label
 */
export function short(label) {
  const text = String(label);
  return text.length > 28 ? `…${text.slice(-27)}` : text;
}
