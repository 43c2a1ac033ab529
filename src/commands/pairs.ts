import { type Command, InvalidArgumentError, Option } from "commander";
import { AtomicWriter, writeFileAtomic } from "../io/atomic.js";
import { checkInputFiles, ensureOutputFile, refuseOutputAmongInputs } from "../io/paths.js";
import { resolveAnalyseOptions } from "../pairs/analyse.js";
import type { TaskResult } from "../pairs/engine.js";
import { type CorpusSummary, runCorpus } from "../pairs/run.js";
import { type TaskStats, type TreeCorpusStats, treeCorpusStats } from "../pairs/stats.js";
import { SEALIGN_VERSION } from "../version.js";
import { addOutputOption, finalLines, outputOf, shellArg } from "./options.js";

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

function number(name: string, check: (n: number) => boolean, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${name} must be ${what}`);
    return n;
  };
}

const positiveInt = (name: string) =>
  number(name, (n) => Number.isInteger(n) && n >= 1, "a positive integer");

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
      number("--threshold", (n) => n >= 0 && n < 1, "in [0, 1)"),
      0.5,
    )
    .option("--min-visits <n>", "ignore children seen fewer times", positiveInt("--min-visits"), 1)
    .option(
      "--confidence [level]",
      "also require the two children's Wilson intervals (at this level, default 0.95) not to overlap",
      number("--confidence", (n) => n > 0 && n < 1, "in (0, 1)"),
    )
    .option("--no-dedupe", "keep exact duplicate trajectories")
    .option("--no-stuck-filter", "keep trajectories that repeat the same action")
    .option(
      "--stuck-repeats <n>",
      "identical actions in a row that count as stuck",
      number("--stuck-repeats", (n) => Number.isInteger(n) && n >= 2, "an integer >= 2"),
      3,
    )
    .option("--no-isolated-filter", "keep trajectories that share nothing but the prompt with the others")
    .option(
      "--workers <n>",
      "worker threads (0: none; default: all cores)",
      number("--workers", (n) => Number.isInteger(n) && n >= 0, "an integer >= 0"),
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
export function analyseOptionsOf(o: TreeCliOptions) {
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

/** Gathers task statistics in input order. */
export class StatsSink {
  tasks: TaskStats[] = [];
  add(result: TaskResult): void {
    this.tasks.push(result.stats);
  }
  reset(): void {
    this.tasks = [];
  }
  corpus(): TreeCorpusStats {
    return treeCorpusStats(this.tasks);
  }
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

interface PairsCliOptions extends TreeCliOptions {
  out: string;
  output?: string;
  pairs: "all" | "extremes";
  maxPerNode?: number;
  ablation?: string;
  ablationMaxPerTask?: number;
}

/** `sealign pairs TRAJ.jsonl... -o pairs.jsonl` */
export function registerPairs(program: Command): void {
  const command = program
    .command("pairs")
    .description("critical-action preference pairs (sealign.pair/1) from task trees of scored trajectories")
    .argument("<trajectories...>", "sealign trajectory files (.jsonl[.gz|.zst])")
    .addOption(
      new Option("--pairs <which>", "all qualifying sibling pairs, or best-vs-worst per node")
        .choices(["all", "extremes"])
        .default("all"),
    )
    .option("--max-per-node <n>", "at most this many pairs per decision node", positiveInt("--max-per-node"))
    .option("--ablation <file>", "also write trajectory-level pairs (successful vs failed whole runs) here")
    .option(
      "--ablation-max-per-task <n>",
      "at most this many trajectory-level pairs per task",
      positiveInt("--ablation-max-per-task"),
    );
  addOutputOption(command, "file", "pairs JSONL to write (statistics go to <file>.stats.json)", {
    required: true,
  });
  addTreeOptions(command).action(async (files: string[], o: PairsCliOptions) => {
    o.out = outputOf(o);
    // Paths first: a bad one is one clear line, before any worker starts.
    await checkInputFiles(files);
    await refuseOutputAmongInputs(o.out, files, "--output");
    await ensureOutputFile(o.out, "--output");
    if (o.ablation) {
      await refuseOutputAmongInputs(o.ablation, [...files, o.out], "--ablation");
      await ensureOutputFile(o.ablation, "--ablation");
    }
    const base = analyseOptionsOf(o);
    const analyse = {
      ...base,
      critical: { ...base.critical, pairs: o.pairs, maxPerNode: o.maxPerNode ?? null },
      ablation: o.ablation ? { maxPerTask: o.ablationMaxPerTask ?? null } : null,
    };
    const provenance = {
      tool: "sealign pairs",
      sealign_version: SEALIGN_VERSION,
      inputs: files,
      options: resolveAnalyseOptions(analyse),
    };
    let pairsOut = new AtomicWriter(o.out);
    let ablationOut = o.ablation ? new AtomicWriter(o.ablation) : null;
    const stats = new StatsSink();
    const progress = progressReporter(o.progress, "pairs");
    try {
      const summary = await runCorpus(
        files,
        {
          analyse: { ...analyse, provenance },
          skipInvalid: o.skipInvalid === true,
          validation: o.fast ? "light" : "full",
          output: { pairs: true, ablation: ablationOut !== null, tree: false },
          workers: o.workers,
          order: o.order,
          onProgress: progress.update,
        },
        {
          async task(result) {
            stats.add(result);
            if (result.pairs) await pairsOut.write(result.pairs);
            if (ablationOut && result.ablation) await ablationOut.write(result.ablation);
          },
          async reset() {
            stats.reset();
            await pairsOut.abort();
            pairsOut = new AtomicWriter(o.out);
            if (ablationOut && o.ablation) {
              await ablationOut.abort();
              ablationOut = new AtomicWriter(o.ablation);
            }
          },
        },
      );
      progress.done();
      await pairsOut.commit();
      await ablationOut?.commit();
      const corpus = stats.corpus();
      await writeFileAtomic(
        `${o.out}.stats.json`,
        `${JSON.stringify({ stats: corpus, input_order: summary.order, skipped: summary.skipped.reasons, provenance }, null, 2)}\n`,
      );
      report(corpus, summary, o.json, { input_order: summary.order });
      // --no-progress or --json: nothing more on stderr (scripts); else where it went and what next.
      if (o.progress && !o.json)
        finalLines(
          process.stderr,
          `${corpus.pairs} pairs to ${o.out} (statistics in ${o.out}.stats.json)`,
          `sealign export dpo ${shellArg(o.out)} -o dpo.jsonl`,
        );
    } catch (error) {
      await pairsOut.abort();
      await ablationOut?.abort();
      throw error;
    }
  });
}
