/** Trees of trajectories: keys, observation normalisation, merging, scores (docs/tree.md). */
export { TREE_SCHEMA_VERSION, type TreeFile, type TreeFileNode, treeFile } from "./file.js";
export {
  type ActionKeyOptions,
  actionKey,
  canonicalValue,
  collapseShellSpaces,
  collapseWhitespace,
  SHELL_TOOLS,
  sameAction,
  toolSignature,
} from "./keys.js";
export { normaliseObservation, observationHash } from "./observation.js";
export { firstRepeatedAction, type RepeatOptions, repeatsSameAction, type StepSource } from "./stuck.js";
export { type MergeMode, type NodeKind, TaskTree, TreeNode, type TreeOptions } from "./tree.js";
export { TrajectoryView } from "./view.js";
export { type Interval, intervalsDisjoint, wilsonInterval, Z95, zForConfidence } from "./wilson.js";
