/** Evaluation: the paper's metrics per run and task, comparisons against a baseline, charts. */
export { type Comparison, compareRuns, METRIC_ROWS, type MetricRow, type TaskChange } from "./compare.js";
export { comparisonMarkdown, perTaskMarkdown } from "./markdown.js";
export {
  type GroupMetrics,
  groupMetrics,
  RATE_KEYS,
  RATE_LABELS,
  type RateKey,
  type RunMetrics,
  runMetrics,
  type Spread,
  spread,
  type TrajectoryMetrics,
  trajectoryMetrics,
} from "./metrics.js";
export {
  type EvalOptions,
  type EvalResult,
  evalCharts,
  evaluate,
  loadRun,
  runTrajectoriesFile,
} from "./run.js";
