import { createHash } from "node:crypto";
import type { Step } from "../schema/steps.js";

/**
 * Observation normalisation: two runs that did the same thing and saw the same result should
 * hash alike even when the result carries volatile content. The rules, applied in this order
 * (docs/tree.md lists them for users):
 *
 *  1. line endings: CRLF / CR -> LF
 *  2. ANSI escape sequences (colours, cursor moves) removed
 *  3. UUIDs -> `<uuid>`
 *  4. dates and date-times (ISO 8601 `2024-05-01`, `2024-05-01T12:30:00.123Z`, `2024-05-01 12:30:00+02:00`) -> `<date>`
 *  5. clock times `12:30:00`, `12:30:00.123` -> `<time>`
 *  6. durations: `real 0m1.234s` style and a number followed by a time unit
 *     (`0.12s`, `35 ms`, `2.5 sec`, `3 seconds`, `1 min`, `4 minutes`, `us`, `µs`, `ns`) -> `<dur>`
 *  7. temporary paths: `/tmp/...`, `/var/tmp/...`, `/var/folders/...`, `/private/var/folders/...`
 *     up to the next whitespace or quote -> `<tmp>`; Python tempfile names (`tmp` + 8 of [a-z0-9_]) -> `<tmp>`
 *  8. hex addresses `0x` + at least 6 hex digits -> `<addr>`
 *  9. process ids: `pid 123`, `pid=123`, `PID: 123`, `process 123`, and shell job lines `[1] 12345` -> `<pid>`
 * 10. trailing whitespace on each line removed; the whole text trimmed
 */
const RULES: [RegExp, string][] = [
  [/\r\n?/g, "\n"],
  [/\x1b\[[0-9;?]*[ -/]*[@-~]/g, ""],
  [/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, "<uuid>"],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, "<date>"],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, "<time>"],
  [/\b\d+m\d+(?:\.\d+)?s\b/g, "<dur>"],
  [/\b\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?)\b/g, "<dur>"],
  [/(?:\/private)?\/var\/folders\/[^\s'"`]*|\/(?:var\/)?tmp\/[^\s'"`]*/g, "<tmp>"],
  [/\btmp[a-z0-9_]{8}\b/g, "<tmp>"],
  [/\b0x[0-9a-fA-F]{6,}\b/g, "<addr>"],
  [/\b(pid|PID|Pid|process|Process)(\s*[=:]?\s*)\d+\b/g, "$1$2<pid>"],
  [/^\[\d+\]\s+\d+$/gm, "<pid>"],
  [/[ \t]+$/gm, ""],
];

/** An observation text with volatile content replaced (rules above). */
export function normaliseObservation(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.trim();
}

/** A short stable hash of text (hex). */
export function shortHash(text: string, length = 16): string {
  return createHash("sha1").update(text).digest("hex").slice(0, length);
}

/**
 * The normalised hash of everything a step got back (its tool results, or the scaffold's
 * reply after a text-only turn), in order. A step with no observation hashes as "".
 */
export function observationHash(step: Pick<Step, "observations">): string {
  if (step.observations.length === 0) return "";
  const hash = createHash("sha1");
  for (const observation of step.observations)
    hash.update(normaliseObservation(observation.content)).update("\u0000");
  return hash.digest("hex").slice(0, 16);
}
