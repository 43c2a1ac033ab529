/** Counters shown while a run goes on. */
export interface ProgressState {
  total: number;
  done: number;
  running: number;
  /** Resolved so far, when validation is on (null when off). */
  resolved: number | null;
  tokens: number;
  /** Episodes that ended in model_error / sandbox_error. */
  errors: number;
  toolErrors: number;
  /** Episodes already in the run directory when this process started. */
  resumed: number;
  /** Queue workers seen (collect --queue); absent for a local run. */
  workers?: number;
  /** Tree search counters (collect --strategy tree); absent for independent sampling. */
  search?: {
    round: number;
    turns: number;
    budget: number;
    divergences: number;
    tasksDone: number;
    tasks: number;
  };
}

/**
 * One status line for a long run: redrawn in place on a TTY, printed as a plain line every
 * `intervalMs` otherwise (logs, CI), and once more at the end.
 */
export class ProgressDisplay {
  private readonly stream: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean };
  private readonly intervalMs: number;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private state: ProgressState | null = null;

  constructor(options: { stream?: ProgressDisplay["stream"]; intervalMs?: number } = {}) {
    this.stream = options.stream ?? process.stderr;
    this.intervalMs = options.intervalMs ?? (this.stream.isTTY ? 250 : 10_000);
  }

  start(): void {
    this.timer ??= setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  update(state: ProgressState): void {
    this.state = { ...state };
  }

  /** The line for a state. */
  static format(state: ProgressState, elapsedMs: number): string {
    const pct = state.total ? Math.floor((100 * state.done) / state.total) : 100;
    const search = state.search;
    const parts = [
      search
        ? // the budget is what the run spends; it is known per task once its initial episodes are done
          `collect (tree) turns ${search.turns}/${search.budget || "?"} | tasks ${search.tasksDone}/${search.tasks} | round ${search.round} | episodes ${state.done} | diverged ${search.divergences}`
        : `collect ${state.done}/${state.total} (${pct}%)`,
      ...(state.workers !== undefined ? [`workers ${state.workers}`] : []),
      `running ${state.running}`,
      ...(state.resolved !== null ? [`resolved ${state.resolved}`] : []),
      `tokens ${state.tokens}`,
      `errors ${state.errors}`,
      `tool errors ${state.toolErrors}`,
      ...(state.resumed ? [`resumed ${state.resumed}`] : []),
      `${Math.round(elapsedMs / 1000)}s`,
    ];
    return parts.join(" | ");
  }

  private draw(final = false): void {
    if (!this.state) return;
    const line = ProgressDisplay.format(this.state, Date.now() - this.started);
    if (this.stream.isTTY) {
      // \x1b[K clears to the end of the line, as tree's, pairs' and view's progress lines do.
      this.stream.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Stop redrawing and print the final state. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.draw(true);
  }
}
