import { createHash } from "node:crypto";
import type { Step } from "../schema/steps.js";

/**
 * Observation normalisation: two runs that did the same thing and saw the same result should
 * hash alike even when the result carries volatile content. docs/tree.md lists the rules for
 * users. Line endings CRLF / CR become LF first; then one left-to-right pass replaces, where
 * several could match at one place, the first of:
 *
 *  1. ANSI escape sequences (colours, cursor moves) -> removed
 *  2. UUIDs -> `<uuid>`
 *  3. dates and date-times (ISO 8601 `2024-05-01`, `2024-05-01T12:30:00.123Z`,
 *     `2024-05-01 12:30:00+02:00`) -> `<date>`
 *  4. clock times `12:30:00`, `12:30:00.123` -> `<time>`
 *  5. durations: `0m1.234s` (as printed by `time`) and a number followed by a time unit
 *     (`0.12s`, `35 ms`, `2.5 sec`, `3 seconds`, `1 min`, `4 minutes`, `us`, `µs`, `ns`) -> `<dur>`
 *  6. test-runner durations without a unit: `duration_ms` and a number, as node's test runner
 *     prints them (TAP `duration_ms: 12.345` per test, `# duration_ms 45.6` in the summary,
 *     `ℹ duration_ms 45.6` from the spec reporter) -> `duration_ms`, the separator, `<dur>`
 *  7. hex addresses: `0x` and at least 6 hex digits -> `<addr>`
 *  8. Python tempfile names: `tmp` and 8 of [a-z0-9_] -> `<tmp>`
 *  9. process ids: `pid 123`, `pid=123`, `PID: 123`, `process 123` -> the word, then `<pid>`
 * 10. shell job lines `[1] 12345` (a whole line) -> `<pid>`
 * 11. temporary paths `/tmp/...`, `/var/tmp/...`, `/var/folders/...`, `/private/var/folders/...`
 *     up to the next whitespace or quote -> `<tmp>`
 * 12. spaces and tabs at the end of a line -> removed
 *
 * and the whole text is trimmed. Words are matched whole (`\b`): `v2s` or `abc123ms` stay.
 * One combined expression, because a dozen separate passes cost several times more on large
 * outputs.
 */
const VOLATILE = new RegExp(
  [
    String.raw`(\x1b\[[0-9;?]*[ -/]*[@-~])`,
    String.raw`\b(?:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})` +
      String.raw`|(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)` +
      String.raw`|(\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?)` +
      String.raw`|(\d+m\d+(?:\.\d+)?s|\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?))` +
      String.raw`|(duration_ms)([ \t]*[=:]?[ \t]*)\d+(?:\.\d+)?(?:e[+-]?\d+)?` +
      "|(0x[0-9a-fA-F]{6,})" +
      "|(tmp[a-z0-9_]{8})" +
      String.raw`|(pid|PID|Pid|process|Process)(\s*[=:]?\s*)\d+)\b`,
    String.raw`^(\[\d+\][ \t]+\d+)$`,
    String.raw`((?:\/private)?\/var\/folders\/[^\s'"\x60]*|\/(?:var\/)?tmp\/[^\s'"\x60]*)`,
    String.raw`([ \t]+)$`,
  ].join("|"),
  "gm",
);

function replaceVolatile(
  _match: string,
  ansi: string | undefined,
  uuid: string | undefined,
  date: string | undefined,
  time: string | undefined,
  duration: string | undefined,
  durationKey: string | undefined,
  durationSeparator: string | undefined,
  address: string | undefined,
  tempName: string | undefined,
  pidWord: string | undefined,
  pidSeparator: string | undefined,
  job: string | undefined,
  tempPath: string | undefined,
): string {
  if (ansi !== undefined) return "";
  if (uuid !== undefined) return "<uuid>";
  if (date !== undefined) return "<date>";
  if (time !== undefined) return "<time>";
  if (duration !== undefined) return "<dur>";
  if (durationKey !== undefined) return `${durationKey}${durationSeparator ?? ""}<dur>`;
  if (address !== undefined) return "<addr>";
  if (tempName !== undefined) return "<tmp>";
  if (pidWord !== undefined) return `${pidWord}${pidSeparator ?? ""}<pid>`;
  if (job !== undefined) return "<pid>";
  if (tempPath !== undefined) return "<tmp>";
  return ""; // trailing spaces
}

/** An observation text with volatile content replaced (rules above). */
export function normaliseObservation(text: string): string {
  const unix = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
  return unix.replace(VOLATILE, replaceVolatile).trim();
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

/**
 * The hash of a step's observations exactly as they are. Equal raw hashes imply equal
 * normalised hashes, so the tree compares these first and normalises only on a mismatch.
 */
export function rawObservationHash(step: Pick<Step, "observations">): string {
  if (step.observations.length === 0) return "";
  const hash = createHash("sha1");
  for (const observation of step.observations) hash.update(observation.content).update("\u0000");
  return hash.digest("hex").slice(0, 16);
}
