import { join } from "node:path";
import type { Command } from "commander";
import { writeFileAtomic } from "../io/atomic.js";
import { checkInputFiles, ensureOutputDir } from "../io/paths.js";
import { resolveAnalyseOptions } from "../pairs/analyse.js";
import { runCorpus } from "../pairs/run.js";
import { TREE_SCHEMA_VERSION } from "../tree/file.js";
import { shortHash } from "../tree/observation.js";
import { SEALIGN_VERSION } from "../version.js";
import { addOutputOption, finalLines, outputOf, shellArg } from "./options.js";
import {
  addTreeOptions,
  analyseOptionsOf,
  progressReporter,
  report,
  StatsSink,
  type TreeCliOptions,
} from "./pairs.js";

/** The file name of a task's tree: the id where it is safe as a name, else made safe plus a hash. */
export function treeFileName(taskId: string): string {
  const safe = taskId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120);
  return safe === taskId && !safe.startsWith(".") ? `${safe}.json` : `${safe}-${shortHash(taskId, 8)}.json`;
}

/** `sealign tree TRAJ.jsonl... -o DIR` */
export function registerTree(program: Command): void {
  const command = program
    .command("tree")
    .description("merge each task's scored trajectories into a tree (DIR/<task>.json, DIR/index.json)")
    .argument("<trajectories...>", "sealign trajectory files (.jsonl[.gz|.zst])");
  addOutputOption(command, "dir", "folder for the tree files", { required: true });
  addTreeOptions(command).action(
    async (files: string[], o: TreeCliOptions & { out: string; output?: string }) => {
      o.out = outputOf(o);
      await checkInputFiles(files);
      await ensureOutputDir(o.out, "--output");
      const analyse = analyseOptionsOf(o);
      const provenance = {
        tool: "sealign tree",
        sealign_version: SEALIGN_VERSION,
        inputs: files,
        options: resolveAnalyseOptions(analyse),
      };
      const stats = new StatsSink();
      let index: {
        task_id: string;
        file: string;
        trajectories: number;
        nodes: number;
        critical_nodes: number;
      }[] = [];
      const progress = progressReporter(o.progress, "tree");
      const summary = await runCorpus(
        files,
        {
          analyse: { ...analyse, provenance },
          skipInvalid: o.skipInvalid === true,
          validation: o.fast ? "light" : "full",
          output: { pairs: false, ablation: false, tree: true },
          workers: o.workers,
          order: o.order,
          onProgress: progress.update,
        },
        {
          async task(result) {
            stats.add(result);
            const file = treeFileName(result.taskId);
            await writeFileAtomic(join(o.out, file), `${result.tree}\n`);
            index.push({
              task_id: result.taskId,
              file,
              trajectories: result.stats.kept,
              nodes: result.stats.nodes,
              critical_nodes: result.stats.critical_nodes,
            });
          },
          reset() {
            stats.reset();
            index = [];
          },
        },
      );
      progress.done();
      const corpus = stats.corpus();
      // Written last: its presence marks a complete folder.
      await writeFileAtomic(
        join(o.out, "index.json"),
        `${JSON.stringify(
          {
            schema_version: "sealign.tree-index/1",
            tree_schema_version: TREE_SCHEMA_VERSION,
            tasks: index,
            stats: corpus,
            input_order: summary.order,
            skipped: summary.skipped.reasons,
            provenance,
          },
          null,
          2,
        )}\n`,
      );
      report(corpus, summary, o.json, { input_order: summary.order });
      // --no-progress or --json: nothing more on stderr (scripts); else where it went and what next.
      if (o.progress && !o.json)
        finalLines(
          process.stderr,
          `${index.length} trees to ${o.out} (index.json lists them)`,
          `sealign pairs ${files.map(shellArg).join(" ")} -o pairs.jsonl   # or: sealign view ${shellArg(o.out)}`,
        );
    },
  );
}
