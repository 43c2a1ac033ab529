/** Counters shown while validating and kept in the summary. */
export interface ValidationCounts {
  total: number;
  done: number;
  resolved: number;
  /** Verdicts reused: from the disk cache or from an identical patch earlier in this run. */
  cached: number;
  /** Decided without running: empty or missing patches. */
  empty: number;
  timedOut: number;
  errors: number;
  /** Test commands actually run. */
  testsRun: number;
}

/**
 * Progress on stderr: a self-rewriting line on a terminal, else one plain line every
 * `everyMs` (and at the end), so logs of long unattended runs still show it moving.
 */
export class Progress {
  private readonly started = Date.now();
  private lastPrinted = 0;
  private readonly tty: boolean;
  /** With validate --queue: the queue's workers and this run's jobs being worked on. */
  queue: { workers: number; running: number } | null = null;

  constructor(
    private readonly counts: ValidationCounts,
    private readonly stream: NodeJS.WriteStream | null = process.stderr,
    private readonly everyMs = 10_000,
  ) {
    this.tty = Boolean(stream?.isTTY);
  }

  line(): string {
    const c = this.counts;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? (c.done / seconds) * 60 : 0;
    return (
      `validate: ${c.done}/${c.total} done, ${c.resolved} resolved, ${c.cached} cached, ${c.empty} empty, ` +
      `${c.timedOut} timed out, ${c.errors} errors, ${c.testsRun} test runs, ${rate.toFixed(0)}/min` +
      (this.queue ? `, workers ${this.queue.workers}, running ${this.queue.running}` : "")
    );
  }

  tick(force = false): void {
    if (!this.stream) return;
    const now = Date.now();
    if (this.tty) {
      if (force || now - this.lastPrinted > 200) {
        this.stream.write(`\r${this.line()}\u001b[K`);
        this.lastPrinted = now;
      }
    } else if (force || now - this.lastPrinted >= this.everyMs) {
      this.stream.write(`${this.line()}\n`);
      this.lastPrinted = now;
    }
  }

  finish(): void {
    if (!this.stream) return;
    this.tick(true);
    if (this.tty) this.stream.write("\n");
  }
}
