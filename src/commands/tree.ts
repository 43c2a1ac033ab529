import type { Command } from "commander";
import { writeTrees } from "../pairs/write.js";
import { addOutputOption, finalLines, outputOf, shellArg } from "./options.js";
import {
  addTreeOptions,
  corpusOptionsOf,
  progressReporter,
  report,
  type TreeCliOptions,
} from "./tree-options.js";

/** `sealign tree TRAJ.jsonl... -o DIR`: flags into `writeTrees` (pairs/write.ts), then the summary. */
export function registerTree(program: Command): void {
  const command = program
    .command("tree")
    .description("merge each task's scored trajectories into a tree (DIR/<task>.json, DIR/index.json)")
    .argument("<trajectories...>", "sealign trajectory files (.jsonl[.gz|.zst])");
  addOutputOption(command, "dir", "folder for the tree files", { required: true });
  addTreeOptions(command).action(
    async (files: string[], o: TreeCliOptions & { out: string; output?: string }) => {
      o.out = outputOf(o);
      const progress = progressReporter(o.progress, "tree");
      const result = await writeTrees(files, { ...corpusOptionsOf(o, progress.update), out: o.out });
      progress.done();
      report(result.stats, result.summary, o.json, { input_order: result.summary.order });
      // --no-progress or --json: nothing more on stderr (scripts); else where it went and what next.
      if (o.progress && !o.json)
        finalLines(
          process.stderr,
          `${result.tasks.length} trees to ${o.out} (index.json lists them)`,
          `sealign pairs ${files.map(shellArg).join(" ")} -o pairs.jsonl   # or: sealign view ${shellArg(o.out)}`,
        );
    },
  );
}
