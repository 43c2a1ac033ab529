/**
 * Just enough of the unified diff format for the simulated teacher to turn a gold patch into
 * editor actions: per file, each hunk's old text (context and removed lines) and new text
 * (context and added lines), which become `str_replace` calls.
 */
export interface FileEdit {
  path: string;
  /** The file is created by the patch (`--- /dev/null`). */
  created: boolean;
  /** The file is removed by the patch (`+++ /dev/null`). */
  deleted: boolean;
  hunks: { oldText: string; newText: string }[];
}

const stripPrefix = (path: string): string => path.replace(/^[ab]\//, "");

/** Parse a `git diff` into per-file edits, in patch order. Binary or mode-only entries have no hunks. */
export function parseUnifiedDiff(patch: string): FileEdit[] {
  const edits: FileEdit[] = [];
  let current: FileEdit | null = null;
  let oldLines: string[] = [];
  let newLines: string[] = [];
  let inHunk = false;
  let lastSide: "old" | "new" | "both" = "both";
  const closeHunk = () => {
    if (current && inHunk) current.hunks.push({ oldText: oldLines.join("\n"), newText: newLines.join("\n") });
    oldLines = [];
    newLines = [];
    inHunk = false;
  };
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      closeHunk();
      const match = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
      current = { path: match ? match[2]! : "", created: false, deleted: false, hunks: [] };
      edits.push(current);
    } else if (line.startsWith("--- ") && !inHunk) {
      if (!current) {
        current = { path: "", created: false, deleted: false, hunks: [] };
        edits.push(current);
      }
      if (line.slice(4).trim() === "/dev/null") current.created = true;
      else if (!current.path) current.path = stripPrefix(line.slice(4).trim().split("\t")[0]!);
    } else if (line.startsWith("+++ ") && !inHunk && current) {
      const target = line.slice(4).trim().split("\t")[0]!;
      if (target === "/dev/null") current.deleted = true;
      else current.path = stripPrefix(target);
    } else if (line.startsWith("@@")) {
      closeHunk();
      inHunk = true;
    } else if (inHunk && current) {
      if (line.startsWith("\\")) {
        // "\ No newline at end of file": the previous line had no newline; nothing to add.
        void lastSide;
      } else if (line.startsWith("-")) {
        oldLines.push(line.slice(1));
        lastSide = "old";
      } else if (line.startsWith("+")) {
        newLines.push(line.slice(1));
        lastSide = "new";
      } else if (line.startsWith(" ") || line === "") {
        oldLines.push(line.slice(1));
        newLines.push(line.slice(1));
        lastSide = "both";
      } else closeHunk();
    }
  }
  closeHunk();
  // A trailing empty context line is the split's artefact of the patch's final newline.
  for (const edit of edits) {
    for (const hunk of edit.hunks) {
      while (hunk.oldText.endsWith("\n") && hunk.newText.endsWith("\n")) {
        hunk.oldText = hunk.oldText.slice(0, -1);
        hunk.newText = hunk.newText.slice(0, -1);
      }
    }
  }
  return edits.filter((e) => e.path !== "");
}
