import { createHash } from "node:crypto";

/**
 * Patch normalisation for the validation cache: two patches that differ only in noise a model
 * or a scaffold adds (CRLF line ends, trailing blanks, `index` lines, the function text after a
 * hunk header, blank lines between files, the order of the files) make the same change, so they
 * are validated once. Nothing that changes what a hunk adds or removes is touched, except
 * trailing blanks at line ends, which no test of ours can observe.
 */
export function normalisePatch(patch: string): string {
  const lines = patch.replace(/\r\n?/g, "\n").split("\n");
  const sections: string[][] = [];
  let current: string[] | null = null;
  for (const raw of lines) {
    const line = raw.replace(/[ \t]+$/, "");
    if (line.startsWith("diff --git ") || (current === null && line.startsWith("--- "))) {
      current = [];
      sections.push(current);
    }
    if (current === null) continue; // text before the first file (a commit message, say)
    if (/^index [0-9a-f]+\.\.[0-9a-f]+/.test(line)) continue;
    if (line.startsWith("@@")) {
      // "@@ -1,3 +1,4 @@ def f():" -> "@@ -1,3 +1,4 @@": the trailing text is only a hint.
      const header = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
      current.push(header ? header[0] : line);
      continue;
    }
    // Blank lines between file sections (or at the end) are noise; a blank context line
    // inside a hunk is written " " by git and "" by some editors: both become "".
    current.push(line);
  }
  for (const section of sections) {
    while (section.length > 0 && section[section.length - 1] === "") section.pop();
  }
  sections.sort((a, b) => sectionPath(a).localeCompare(sectionPath(b)));
  return sections.map((s) => `${s.join("\n")}\n`).join("");
}

function sectionPath(section: string[]): string {
  const header = section[0] ?? "";
  const git = /^diff --git a\/(.*) b\//.exec(header);
  if (git) return git[1]!;
  const plus = section.find((l) => l.startsWith("+++ "));
  return plus ?? header;
}

/** True when a patch changes nothing: null, empty or only blank lines. */
export function isEmptyPatch(patch: string | null): boolean {
  return patch === null || patch.trim().length === 0;
}

/** Hex SHA-256 of the normalised patch. */
export function patchDigest(patch: string): string {
  return createHash("sha256").update(normalisePatch(patch)).digest("hex");
}
