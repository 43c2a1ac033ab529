/**
 * Patch application for validation. It runs inside the validation's environment (a patch is
 * hostile: it may plant symlinks or a `.git/config`), so the attempts themselves live with the
 * other in-environment workspace operations; this module keeps the stage's names.
 */
export { type ApplyResult, applyPatch } from "../runtime/workspace-ops.js";

/** The files a patch touches (b-side paths, and a-side paths of deletions). */
export function patchedFiles(patch: string): string[] {
  const files = new Set<string>();
  for (const line of patch.split("\n")) {
    const git = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (git) {
      files.add(git[1]!);
      files.add(git[2]!);
    }
  }
  return [...files];
}
