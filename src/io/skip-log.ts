import type { InputError } from "../errors.js";

/** One record passed over: where it was and what was wrong with it. */
export interface SkipReason {
  file: string;
  line: number;
  message: string;
}

/**
 * Invalid records passed over with `skipInvalid` (`--skip-invalid`), and why: every reader that
 * can skip records counts them here, and the commands report `summary()` on stderr.
 */
export class SkipLog {
  readonly reasons: SkipReason[] = [];

  get count(): number {
    return this.reasons.length;
  }

  /**
   * Count a bad record. The error's own "FILE:LINE: " prefix is cut: the reason keeps the file
   * and line apart, and the summary groups records by what was wrong, not by where.
   */
  add(file: string, line: number, error: InputError): void {
    const message = error.message.startsWith(file)
      ? error.message.slice(file.length).replace(/^(:\d+)?: /, "")
      : error.message;
    this.reasons.push({ file, line, message });
  }

  /** "3 skipped: 2 x malformed JSON ..., 1 x invalid trajectory ..." */
  summary(): string {
    const byReason = new Map<string, number>();
    for (const { message } of this.reasons) byReason.set(message, (byReason.get(message) ?? 0) + 1);
    const parts = [...byReason.entries()].map(([reason, n]) => `${n} x ${reason}`);
    return `${this.count} skipped${parts.length ? ` (${parts.join("; ")})` : ""}`;
  }
}
