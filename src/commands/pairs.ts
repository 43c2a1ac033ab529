import { type Command, Option } from "commander";
import { writePairs } from "../pairs/write.js";
import { addOutputOption, finalLines, outputOf, shellArg } from "./options.js";
import {
  addTreeOptions,
  corpusOptionsOf,
  positiveInt,
  progressReporter,
  report,
  type TreeCliOptions,
} from "./tree-options.js";

interface PairsCliOptions extends TreeCliOptions {
  out: string;
  output?: string;
  pairs: "all" | "extremes";
  maxPerNode?: number;
  ablation?: string;
  ablationMaxPerTask?: number;
}

/** `sealign pairs TRAJ.jsonl... -o pairs.jsonl`: flags into `writePairs` (pairs/write.ts), then the summary. */
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
    const progress = progressReporter(o.progress, "pairs");
    const result = await writePairs(files, {
      ...corpusOptionsOf(o, progress.update),
      out: o.out,
      pairs: { pairs: o.pairs, maxPerNode: o.maxPerNode ?? null },
      ablation: o.ablation ? { out: o.ablation, maxPerTask: o.ablationMaxPerTask ?? null } : null,
    });
    progress.done();
    report(result.stats, result.summary, o.json, { input_order: result.summary.order });
    // --no-progress or --json: nothing more on stderr (scripts); else where it went and what next.
    if (o.progress && !o.json)
      finalLines(
        process.stderr,
        `${result.stats.pairs} pairs to ${o.out} (statistics in ${result.statsPath})`,
        `sealign export dpo ${shellArg(o.out)} -o dpo.jsonl`,
      );
  });
}
