import { type Command, Option } from "commander";
import { CRITICAL_THRESHOLD } from "../pairs/critical.js";
import type { CorpusSummary } from "../pairs/run.js";
import type { TreeCorpusStats } from "../pairs/stats.js";
import type { CorpusStageOptions } from "../pairs/write.js";
import { numberOption } from "./options.js";

/**
 * The flags `sealign tree` and `sealign pairs` share (merge, filters, critical decisions, input
 * reading), their translation into the library's options, and the progress and summary lines
 * both print. Their own module, so that neither command borrows from the other.
 */

/** Options shared by `sealign tree` and `sealign pairs`, as commander gives them. */
export interface TreeCliOptions {
  merge: "observation" | "action";
  keyThought?: boolean;
  threshold: number;
  minVisits: number;
  confidence?: number | true;
  dedupe: boolean;
  stuckFilter: boolean;
  stuckRepeats: number;
  isolatedFilter: boolean;
  workers?: number;
  order: "auto" | "sorted" | "unsorted";
  skipInvalid?: boolean;
  fast?: boolean;
  json?: boolean;
  progress: boolean;
}

/** A commander parser for a whole number >= 1. */
export const positiveInt = (flag: string) => numberOption(flag, { integer: true, min: 1 });

/** Register the options that merge, score, filter and find critical decisions. */
export function addTreeOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--merge <mode>",
        "what identifies a step: action and normalised observation, or action alone",
      )
        .choices(["observation", "action"])
        .default("observation"),
    )
    .option("--key-thought", "include the free-text thought in action keys")
    .option(
      "--threshold <gap>",
      "critical when two children's scores differ by more than this",
      numberOption("--threshold", { min: 0, below: 1 }),
      CRITICAL_THRESHOLD,
    )
    .option("--min-visits <n>", "ignore children seen fewer times", positiveInt("--min-visits"), 1)
    .option(
      "--confidence [level]",
      "also require the two children's Wilson intervals (at this level, default 0.95) not to overlap",
      numberOption("--confidence", { above: 0, below: 1 }),
    )
    .option("--no-dedupe", "keep exact duplicate trajectories")
    .option("--no-stuck-filter", "keep trajectories that repeat the same action")
    .option(
      "--stuck-repeats <n>",
      "identical actions in a row that count as stuck",
      numberOption("--stuck-repeats", { integer: true, min: 2 }),
      3,
    )
    .option("--no-isolated-filter", "keep trajectories that share nothing but the prompt with the others")
    .option(
      "--workers <n>",
      "worker threads (0: none; default: all cores)",
      numberOption("--workers", { integer: true, min: 0 }),
    )
    .addOption(
      new Option(
        "--order <order>",
        "input order: sorted by task (streams), unsorted (indexed), auto (try sorted)",
      )
        .choices(["auto", "sorted", "unsorted"])
        .default("auto"),
    )
    .option("--skip-invalid", "skip bad records and report them instead of stopping at the first")
    .option("--fast", "check records structurally instead of full schema validation (docs/tree.md)")
    .option("--json", "print the statistics as JSON on stdout")
    .option("--no-progress", "no progress lines on stderr");
}

/** The library options of the shared CLI options. */
export function analyseOptionsOf(o: TreeCliOptions): NonNullable<CorpusStageOptions["analyse"]> {
  return {
    tree: { merge: o.merge, keyThought: o.keyThought === true },
    filters: {
      dedupe: o.dedupe,
      stuck: o.stuckFilter,
      stuckRepeats: o.stuckRepeats,
      isolated: o.isolatedFilter,
    },
    critical: {
      threshold: o.threshold,
      minVisits: o.minVisits,
      confidence: o.confidence === undefined ? null : o.confidence === true ? 0.95 : o.confidence,
    },
  };
}

/** The library options of the shared CLI options, progress included. */
export function corpusOptionsOf(
  o: TreeCliOptions,
  onProgress: CorpusStageOptions["onProgress"],
): CorpusStageOptions {
  return {
    analyse: analyseOptionsOf(o),
    skipInvalid: o.skipInvalid === true,
    validation: o.fast ? "light" : "full",
    workers: o.workers,
    order: o.order,
    onProgress,
  };
}

/** Progress on stderr: a live line on a terminal, else a line every 10 s. */
export function progressReporter(enabled: boolean, label: string) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = started;
  return {
    update({ bytes, totalBytes, tasks }: { bytes: number; totalBytes: number; tasks: number }) {
      if (!enabled) return;
      const now = Date.now();
      if (!tty && now - last < 10_000) return;
      last = now;
      const seconds = (now - started) / 1000;
      const line = `${label}: ${(bytes / 1e6).toFixed(0)}/${(totalBytes / 1e6).toFixed(0)} MB, ${tasks} tasks, ${(bytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(0)} MB/s`;
      process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    },
    done() {
      if (enabled && tty) process.stderr.write("\n");
    },
  };
}

/** Report a run's outcome: statistics (JSON or a short summary) and skipped records. */
export function report(
  stats: TreeCorpusStats,
  summary: CorpusSummary,
  json: boolean | undefined,
  extra: Record<string, unknown>,
) {
  if (summary.skipped.count > 0) process.stderr.write(`sealign: ${summary.skipped.summary()}\n`);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ...stats, skipped: summary.skipped.count, ...extra }, null, 2)}\n`,
    );
    return;
  }
  const t = stats.trajectories;
  process.stdout.write(
    `${stats.tasks} tasks, ${t.read} trajectories read (${t.unscored} unscored, ${t.duplicates} duplicates, ${t.stuck} stuck, ${t.isolated} isolated), ` +
      `${t.after_filtering} kept (${t.successful} successful / ${t.failed} failed), ` +
      `${stats.critical_nodes} critical nodes, ${stats.pairs} pairs\n`,
  );
}
