import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { barChart } from "../src/charts/bar.js";
import { binCounts, histogram, histogramBins } from "../src/charts/histogram.js";
import { lineChart } from "../src/charts/line.js";
import { svgToPng } from "../src/charts/png.js";
import { niceTicks } from "../src/charts/svg.js";
import { tempDir } from "./helpers/paths.js";

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe("chart builders", () => {
  it("picks round axis ticks covering the data", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 37, 5)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(-3, 7, 5)).toEqual([-4, -2, 0, 2, 4, 6, 8]);
    expect(niceTicks(5, 5)).toEqual([5, 6]);
  });

  it("bins integers on integer edges and counts every value once", () => {
    const values = [1, 2, 2, 3, 30, 30];
    const bins = histogramBins(values, 10);
    expect(bins[0]!.from).toBe(1);
    expect(bins.every((b) => Number.isInteger(b.from) && Number.isInteger(b.to))).toBe(true);
    expect(binCounts(values, bins).reduce((a, b) => a + b, 0)).toBe(values.length);
    expect(histogramBins([4, 4, 4])).toEqual([{ from: 4, to: 5, label: "4" }]);
    expect(histogramBins([])).toEqual([]);
  });

  it("draws one bar per run and category, escapes names, shows unknown values as n/a", () => {
    const svg = barChart({
      title: "Rates <A&B>",
      categories: ["resolved", "empty"],
      series: [
        { name: "base", values: [0.1, 0.5] },
        { name: 'aligned "v2"', values: [0.4, null] },
      ],
      percent: true,
    });
    expect(svg.match(/<rect x=/g)!.length).toBe(3 + 2); // 3 bars + 2 legend swatches
    expect(svg).toContain("Rates &lt;A&amp;B&gt;");
    expect(svg).toContain("aligned &quot;v2&quot;");
    expect(svg).toContain(">n/a<");
    expect(svg).toContain(">40%<");
  });

  it("renders bar, histogram and line charts to PNG at twice their size", () => {
    const dir = tempDir("sealign-charts-");
    const charts = {
      bar: barChart({ title: "t", categories: ["a", "b", "c"], series: [{ name: "x", values: [1, -2, 3] }] }),
      histogram: histogram({
        title: "turns",
        series: [
          { name: "a", values: [1, 2, 3, 3, 4] },
          { name: "b", values: [5, 6] },
        ],
        xLabel: "turns",
      }),
      line: lineChart({
        title: "Training loss",
        series: [
          {
            name: "train",
            points: Array.from({ length: 50 }, (_, i) => ({ x: i * 10, y: 2.5 * Math.exp(-i / 15) + 0.3 })),
          },
          {
            name: "eval",
            points: Array.from({ length: 6 }, (_, i) => ({ x: i * 100, y: 2.4 * Math.exp(-i / 1.6) + 0.45 })),
          },
        ],
        xLabel: "step",
        yLabel: "loss",
      }),
    };
    for (const [name, svg] of Object.entries(charts)) {
      const png = svgToPng(svg);
      const declared = /width="(\d+)" height="(\d+)"/.exec(svg)!;
      expect(pngSize(png)).toEqual({ width: Number(declared[1]) * 2, height: Number(declared[2]) * 2 });
      writeFileSync(join(dir, `${name}.png`), png);
    }
    if (process.env.SEALIGN_KEEP_CHARTS) process.stdout.write(`charts in ${dir}\n`);
  });

  it("a line chart with no finite point still renders (empty axes)", () => {
    const svg = lineChart({ title: "none", series: [{ name: "a", points: [{ x: Number.NaN, y: 1 }] }] });
    expect(svg).toContain("</svg>");
    expect(svg).not.toContain("NaN");
    expect(pngSize(svgToPng(svg)).width).toBe(1280);
  });
});

describe("small values on an axis (the DPO reward margin, ~1e-5)", () => {
  it("labels each tick with its value, not all of them 0", () => {
    const svg = lineChart({
      title: "DPO reward margin",
      series: [{ name: "margin", points: [1, 2, 3, 4].map((x) => ({ x, y: x * 1.1e-5 })) }],
    });
    const yLabels = [...svg.matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1]);
    const nonZero = yLabels.filter((l) => l !== "0");
    expect(nonZero.length).toBeGreaterThanOrEqual(3);
    expect(new Set(nonZero).size).toBe(nonZero.length);
    for (const label of nonZero) expect(Number(label)).toBeGreaterThan(0);
    expect(Number(nonZero.at(-1))).toBeLessThan(1e-4);
  });
});
