import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { InputError } from "../errors.js";
import { evaluate } from "../eval/run.js";
import { ensureOutputDir } from "../io/paths.js";
import { outputOf, paint } from "./options.js";

/** `sealign eval RUN... [--compare BASELINE] [-o OUT]` */
export function registerEval(program: Command): void {
  program
    .command("eval")
    .description(
      "measure runs as the paper does (resolved, empty patch, stuck, invalid patch, tool errors, turns, tokens, cost, time), compare them with a baseline, draw charts",
    )
    .argument("<runs...>", "run folders (collect or validate output) or trajectory files")
    .option(
      "--compare <baseline>",
      "baseline run; deltas of the other runs are against it (default: the first run)",
    )
    .option("--name <names...>", "display names, in order (baseline first when --compare is given)")
    .option("--json", "print the comparison as JSON instead of Markdown")
    .addOption(
      new Option("-o, --output <dir>", "where eval.json, eval.md and the charts go").default("sealign-eval"),
    )
    .addOption(new Option("--out <dir>", "same as --output").hideHelp())
    .option("--per-task", "add every task's figures to the Markdown (always in eval.json)")
    .option("--no-png", "write SVG charts only")
    .option("--skip-invalid", "skip bad trajectory records (counted in eval.json) instead of stopping")
    .action(
      async (
        runs: string[],
        options: {
          compare?: string;
          name?: string[];
          output: string;
          out?: string;
          json?: boolean;
          perTask?: boolean;
          png: boolean;
          skipInvalid?: boolean;
        },
      ) => {
        for (const run of [...runs, ...(options.compare ? [options.compare] : [])])
          if (!existsSync(run)) throw new InputError("no such run (file or folder)", { file: run });
        const out = outputOf(options);
        await ensureOutputDir(out, "--output");
        const result = await evaluate({
          runs,
          compare: options.compare,
          names: options.name,
          out,
          png: options.png,
          skipInvalid: options.skipInvalid,
          perTask: options.perTask,
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(result.comparison, null, 2)}\n` : result.markdown,
        );
        for (const warning of result.warnings)
          process.stderr.write(`${paint(process.stderr, "yellow", "warning:")} ${warning}\n`);
        process.stderr.write(`eval: wrote ${result.files.join(", ")}\n`);
      },
    );
}
