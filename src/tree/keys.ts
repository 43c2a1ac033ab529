/**
 * The action key lives with the schema (src/schema/action-key.ts): the agent's stuck rule, the
 * tree and the viewer all compare steps by it, and none of them should reach into another's
 * folder for it. Re-exported here for the tree's public surface (`sealign`'s tree exports).
 */
export {
  type ActionKeyOptions,
  actionKey,
  canonicalValue,
  collapseShellSpaces,
  collapseWhitespace,
  SHELL_TOOLS,
  sameAction,
  toolSignature,
} from "../schema/action-key.js";
