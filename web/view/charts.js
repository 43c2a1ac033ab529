import { h, s } from "./dom.js";

const COLORS = ["#2f7d4f", "#b8452e", "#b58a1c", "#3867a8", "#7a4fa0", "#4a8c8c", "#8c6d4a", "#666"];

/**
 * Grouped horizontal bars: one group per label, one bar per series, values 0..1 (rates).
 * @param {{title: string, labels: string[], series: {name: string, values: number[]}[]}} spec
 */
export function rateBars({ title, labels, series }) {
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
        s(
          "rect",
          { x: left, y, width: Math.max(1, v * width), height: barH - 2, fill: COLORS[i % COLORS.length] },
          s("title", null, `${serie.name}: ${(100 * v).toFixed(1)}%`),
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
 * Vertical bars (counts) of one or more series over shared bins.
 * @param {{title: string, bins: string[], series: {name: string, values: number[]}[]}} spec
 */
export function countBars({ title, bins, series }) {
  const width = 440;
  const height = 150;
  const bottom = 30;
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const slot = width / bins.length;
  const barW = Math.max(2, (slot - 6) / series.length);
  const svg = s("svg", { viewBox: `0 0 ${width + 20} ${height + bottom}`, class: "chart", role: "img" });
  bins.forEach((bin, b) => {
    svg.append(s("text", { x: b * slot + slot / 2, y: height + 18, "text-anchor": "middle" }, bin));
    series.forEach((serie, i) => {
      const v = serie.values[b] ?? 0;
      const bh = (v / max) * (height - 10);
      svg.append(
        s(
          "rect",
          {
            x: b * slot + 3 + i * barW,
            y: height - bh,
            width: barW - 1,
            height: bh,
            fill: COLORS[i % COLORS.length],
          },
          s("title", null, `${serie.name} ${bin}: ${v}`),
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

/** Long run keys (file paths) shortened to their tail. */
export function short(label) {
  const text = String(label);
  return text.length > 28 ? `…${text.slice(-27)}` : text;
}
