import { createHash } from "node:crypto";

/**
 * A file-name-safe form of an id (a task id, an episode id, a workspace name), without an
 * extension: the id itself where it is already safe (letters, digits, `.`, `_`, `-`, not
 * starting with a dot, at most `maxLength` characters), else every other character (and a
 * leading dot) replaced by `_`, cut to `maxLength`, and 8 hex digits of the id's SHA-1 appended. The hash is what keeps
 * two ids apart once cleaned ("a/b" and "a:b" both clean to "a_b"), so two tasks never write
 * one file; a safe id keeps its plain name so the files stay readable.
 */
export function safeFileName(id: string, maxLength = 120): string {
  // A leading dot goes too: "." and ".." are no file names, and ".x" would hide the file.
  const safe = id
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\./, "_")
    .slice(0, maxLength);
  if (safe === id && safe !== "") return safe;
  return `${safe}-${createHash("sha1").update(id).digest("hex").slice(0, 8)}`;
}
