/** Critical decisions, preference pairs, filters and statistics (docs/tree.md). */
export { type AblationOptions, trajectoryPairs } from "./ablation.js";
export { type AnalyseOptions, analyseTask, resolveAnalyseOptions, type TaskAnalysis } from "./analyse.js";
export { criticalPair, criticalPairs } from "./build.js";
export {
  type ActionGroup,
  actionGroups,
  type CandidatePair,
  type CriticalOptions,
  type Decision,
  decisionAt,
  findDecisions,
  gapExceeds,
} from "./critical.js";
export type { EngineOptions, TaskResult } from "./engine.js";
export { type FilterOptions, type FilterResult, filterTrajectories } from "./filters.js";
export {
  type CorpusOptions,
  type CorpusSummary,
  runCorpus,
  type TaskSink,
  UnsortedInputError,
} from "./run.js";
export { type TaskStats, type TreeCorpusStats, taskStats, treeCorpusStats } from "./stats.js";
export {
  type CorpusStageOptions,
  type CorpusStageResult,
  type StageProvenance,
  type TreeIndexEntry,
  treeFileName,
  type WritePairsOptions,
  type WritePairsResult,
  type WriteTreesOptions,
  type WriteTreesResult,
  writePairs,
  writeTrees,
} from "./write.js";
