/** Small SVG chart builders (bar, histogram, line) and PNG rendering, shared by eval, train and view. */
export { type BarChartOptions, barChart } from "./bar.js";
export { type Bin, binCounts, type HistogramOptions, histogram, histogramBins } from "./histogram.js";
export { type LineChartOptions, lineChart } from "./line.js";
export { svgToPng } from "./png.js";
export { niceTicks, PALETTE } from "./svg.js";
