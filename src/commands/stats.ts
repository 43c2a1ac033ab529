import type { Command } from "commander";
import { checkInputFiles } from "../io/paths.js";
import { SkipLog } from "../io/skip-log.js";
import { formatStats, StatsCollector } from "../stats/corpus.js";
import { readTrajectories } from "../trajectories/read.js";

/** `sealign stats FILE... [--json]` */
export function registerStats(program: Command): void {
  program
    .command("stats")
    .description(
      "per-corpus and per-task figures of trajectory files: resolved and empty-patch rates, turns, tokens, tools",
    )
    .argument("<files...>", "sealign trajectory files (.jsonl[.gz|.zst])")
    .option("--json", "print JSON instead of a table")
    .option("--skip-invalid", "skip bad records and report them instead of stopping at the first")
    .action(async (files: string[], options: { json?: boolean; skipInvalid?: boolean }) => {
      await checkInputFiles(files);
      const results = [];
      for (const file of files) {
        const collector = new StatsCollector();
        const skipped = new SkipLog();
        for await (const t of readTrajectories(file, { skipInvalid: options.skipInvalid }, skipped))
          collector.add(t);
        const stats = collector.result(file);
        results.push({ ...stats, skipped: skipped.count });
        if (!options.json) {
          process.stdout.write(formatStats(stats));
          if (skipped.count > 0) process.stderr.write(`${file}: ${skipped.summary()}\n`);
        }
      }
      if (options.json)
        process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    });
}
