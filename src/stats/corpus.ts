import { spread } from "../eval/metrics.js";
import { contentText } from "../schema/content.js";
import type { Trajectory } from "../schema/trajectory.js";

/**
 * Corpus statistics for `sealign stats`: per corpus and per task. Token counts come from the
 * trajectories' usage when the source reported them; otherwise they are estimated from the
 * conversation's characters (`ESTIMATE_CHARS_PER_TOKEN`) and flagged as estimated.
 */
export const ESTIMATE_CHARS_PER_TOKEN = 4;

export interface GroupStats {
  trajectories: number;
  /** Trajectories with a known outcome (resolved true/false). */
  withOutcome: number;
  resolved: number;
  /** resolved / withOutcome, null when no outcome is known. */
  resolvedRate: number | null;
  /** Trajectories whose patch is known (not null). */
  withPatch: number;
  emptyPatch: number;
  /** emptyPatch / withPatch, null when no patch is known. */
  emptyPatchRate: number | null;
  turns: { mean: number; median: number; max: number };
  tokens: { total: number; mean: number; estimatedTrajectories: number };
  toolErrors: number;
  /** Tool name -> number of calls. */
  tools: Record<string, number>;
  exitReasons: Record<string, number>;
}

export interface CorpusStats {
  file: string;
  corpus: GroupStats & { tasks: number };
  tasks: Record<string, GroupStats>;
}

class Accumulator {
  trajectories = 0;
  withOutcome = 0;
  resolved = 0;
  withPatch = 0;
  emptyPatch = 0;
  turns: number[] = [];
  tokens = 0;
  estimated = 0;
  toolErrors = 0;
  tools = new Map<string, number>();
  exitReasons = new Map<string, number>();

  add(t: Trajectory, tokens: number, estimated: boolean, calls: Map<string, number>): void {
    this.trajectories++;
    if (t.outcome.resolved !== null) {
      this.withOutcome++;
      if (t.outcome.resolved) this.resolved++;
    }
    if (t.patch !== null) {
      this.withPatch++;
      if (t.patch.trim() === "") this.emptyPatch++;
    }
    this.turns.push(t.usage.turns);
    this.tokens += tokens;
    if (estimated) this.estimated++;
    this.toolErrors += t.usage.tool_errors;
    for (const [name, n] of calls) this.tools.set(name, (this.tools.get(name) ?? 0) + n);
    this.exitReasons.set(t.outcome.exit_reason, (this.exitReasons.get(t.outcome.exit_reason) ?? 0) + 1);
  }

  result(): GroupStats {
    const turns = spread(this.turns);
    const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
    return {
      trajectories: this.trajectories,
      withOutcome: this.withOutcome,
      resolved: this.resolved,
      resolvedRate: ratio(this.resolved, this.withOutcome),
      withPatch: this.withPatch,
      emptyPatch: this.emptyPatch,
      emptyPatchRate: ratio(this.emptyPatch, this.withPatch),
      turns: { mean: turns.mean ?? 0, median: turns.median ?? 0, max: turns.max ?? 0 },
      tokens: {
        total: this.tokens,
        mean: this.trajectories ? this.tokens / this.trajectories : 0,
        estimatedTrajectories: this.estimated,
      },
      toolErrors: this.toolErrors,
      tools: Object.fromEntries([...this.tools.entries()].sort((a, b) => b[1] - a[1])),
      exitReasons: Object.fromEntries(this.exitReasons),
    };
  }
}

/** Tokens of one trajectory: reported when known, else estimated from its text. */
export function trajectoryTokens(t: Trajectory): { tokens: number; estimated: boolean } {
  if (t.usage.total_tokens !== null) return { tokens: t.usage.total_tokens, estimated: false };
  if (t.usage.prompt_tokens !== null || t.usage.completion_tokens !== null) {
    return { tokens: (t.usage.prompt_tokens ?? 0) + (t.usage.completion_tokens ?? 0), estimated: false };
  }
  let chars = 0;
  for (const m of t.messages) {
    chars += contentText(m.content).length;
    if (m.role === "assistant")
      for (const c of m.tool_calls ?? []) chars += c.function.name.length + c.function.arguments.length;
  }
  return { tokens: Math.round(chars / ESTIMATE_CHARS_PER_TOKEN), estimated: true };
}

/** Streams trajectories into per-corpus and per-task statistics (memory: per task, not per trajectory). */
export class StatsCollector {
  private readonly corpus = new Accumulator();
  private readonly tasks = new Map<string, Accumulator>();

  add(t: Trajectory): void {
    const { tokens, estimated } = trajectoryTokens(t);
    const calls = new Map<string, number>();
    for (const m of t.messages) {
      if (m.role === "assistant")
        for (const c of m.tool_calls ?? []) calls.set(c.function.name, (calls.get(c.function.name) ?? 0) + 1);
    }
    this.corpus.add(t, tokens, estimated, calls);
    let task = this.tasks.get(t.task_id);
    if (!task) {
      task = new Accumulator();
      this.tasks.set(t.task_id, task);
    }
    task.add(t, tokens, estimated, calls);
  }

  result(file: string): CorpusStats {
    const tasks: Record<string, GroupStats> = {};
    for (const id of [...this.tasks.keys()].sort()) tasks[id] = this.tasks.get(id)!.result();
    return { file, corpus: { ...this.corpus.result(), tasks: this.tasks.size }, tasks };
  }
}

function pct(rate: number | null): string {
  return rate === null ? "n/a" : `${(rate * 100).toFixed(1)}%`;
}

function row(name: string, s: GroupStats): string[] {
  const est = s.tokens.estimatedTrajectories;
  const tokenNote = est === 0 ? "" : est === s.trajectories ? " (est.)" : ` (${est} est.)`;
  return [
    name,
    String(s.trajectories),
    `${pct(s.resolvedRate)}${s.withOutcome < s.trajectories ? ` of ${s.withOutcome}` : ""}`,
    `${pct(s.emptyPatchRate)}${s.withPatch < s.trajectories ? ` of ${s.withPatch}` : ""}`,
    `${s.turns.mean.toFixed(1)} / ${s.turns.median}`,
    `${Math.round(s.tokens.mean)}${tokenNote}`,
    String(s.toolErrors),
    Object.entries(s.tools)
      .map(([tool, n]) => `${tool}:${n}`)
      .join(" "),
  ];
}

/** A plain-text table: one line for the corpus, one per task. */
export function formatStats(stats: CorpusStats): string {
  const header = [
    "task",
    "trajs",
    "resolved",
    "empty patch",
    "turns mean/median",
    "tokens mean",
    "tool errors",
    "tools used",
  ];
  const rows = [
    row(`ALL (${stats.corpus.tasks} tasks)`, stats.corpus),
    ...Object.entries(stats.tasks).map(([id, s]) => row(id, s)),
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  const out = [`${stats.file}`, line(header), ...rows.map(line)];
  if (stats.corpus.tokens.estimatedTrajectories > 0) {
    out.push(
      `tokens: ${stats.corpus.tokens.estimatedTrajectories} of ${stats.corpus.trajectories} trajectories had no token counts; estimated at ${ESTIMATE_CHARS_PER_TOKEN} characters per token (est.)`,
    );
  }
  return `${out.join("\n")}\n`;
}
