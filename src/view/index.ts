/** `sealign view`: a local, read-only web viewer over runs, trees and pairs. */
export {
  Catalog as ViewCatalog,
  type CatalogOptions as ViewCatalogOptions,
  type SkippedRecord as ViewSkippedRecord,
} from "./catalog.js";
export {
  discoverFiles as discoverViewFiles,
  type IgnoredFile as ViewIgnoredFile,
  type ViewFile,
  type ViewFileKind,
} from "./discover.js";
export {
  type Overview as ViewOverview,
  type Page as ViewPage,
  type PairQuery as ViewPairQuery,
  type RunStats as ViewRunStats,
  type TaskQuery as ViewTaskQuery,
  type TaskRow as ViewTaskRow,
  type TrajectoryQuery as ViewTrajectoryQuery,
  viewOverview,
  viewPairs,
  viewTasks,
  viewTrajectories,
} from "./queries.js";
export { CLIENT_DIR as VIEW_CLIENT_DIR, startViewServer, VIEW_HOST, type ViewServer } from "./server.js";
export type {
  PairSummary as ViewPairSummary,
  TrajectorySummary as ViewTrajectorySummary,
} from "./summaries.js";
export { normalizeTree as normalizeViewTree, type ViewTree, type ViewTreeNode } from "./trees.js";
