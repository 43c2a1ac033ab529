import { type Command, Option } from "commander";
import { runDemo } from "../demo/run.js";
import { InputError } from "../errors.js";
import { CRITICAL_THRESHOLD } from "../pairs/critical.js";
import { parseStrategy } from "./collect.js";
import { type NumberRule, outputOf, parseNumber } from "./options.js";

const WHOLE: NumberRule = { integer: true, min: 0 };

/** `--budget`: model turns, only with the tree strategy. */
function budgetOf(value: string, strategy: string): number {
  if (strategy !== "tree")
    throw new InputError("--budget counts the model turns of --strategy tree; give --strategy tree too", {
      field: "--budget",
    });
  return parseNumber(value, "--budget", { integer: true, min: 1 });
}

/** `sealign demo [-o DIR]`: the whole pipeline offline on the built-in tasks with the simulated teacher. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "the whole method offline: built-in tasks, simulated teacher, validate, trees, pairs, export, train (if installed), eval, report",
    )
    .addOption(new Option("-o, --output <dir>", "output folder (rerun to resume)").default("sealign-demo"))
    .addOption(new Option("--out <dir>", "same as --output").hideHelp())
    .option("--samples <n>", "simulated episodes per task (with --strategy tree: the budget's worth)", "4")
    .option(
      "--strategy <name>",
      "independent (samples from the start) or tree (branch where the trees are uncertain; docs/search.md)",
      "independent",
    )
    .option(
      "--budget <turns>",
      "with --strategy tree: model turns per task (default: --samples x the mean turns of a task's two initial episodes)",
    )
    .option("--limit <n>", "only the first N built-in tasks")
    .option("--language <names>", "only these languages (python,javascript)")
    .option(
      "--sim <settings>",
      "simulator settings, e.g. wrong_place=0.5,recover=0.2 (docs/simulator.md)",
      "",
    )
    .option("--seed <n>", "base seed", "0")
    .option("--concurrency <n>", "episodes and validations at a time", "2")
    .option("--threshold <gap>", "critical-pair score gap", String(CRITICAL_THRESHOLD))
    .option("--min-visits <n>", "ignore children seen fewer times", "1")
    .option("--skip-train", "skip training even when the trainer environment is installed")
    .option("--unsafe-no-sandbox", "run the agent's commands and tests without bubblewrap")
    .action(
      async (o: {
        output: string;
        out?: string;
        samples: string;
        strategy: string;
        budget?: string;
        limit?: string;
        language?: string;
        sim: string;
        seed: string;
        concurrency: string;
        threshold: string;
        minVisits: string;
        skipTrain?: boolean;
        unsafeNoSandbox?: boolean;
      }) => {
        const result = await runDemo({
          out: outputOf(o),
          samples: parseNumber(o.samples, "--samples", { integer: true, min: 1 }),
          strategy: parseStrategy(o.strategy),
          ...(o.budget === undefined ? {} : { budget: budgetOf(o.budget, o.strategy) }),
          limit: o.limit === undefined ? undefined : parseNumber(o.limit, "--limit", WHOLE),
          languages: o.language?.split(",").map((s) => s.trim()),
          sim: o.sim,
          seed: parseNumber(o.seed, "--seed", WHOLE),
          concurrency: Math.max(1, parseNumber(o.concurrency, "--concurrency", WHOLE)),
          threshold: parseNumber(o.threshold, "--threshold", { min: 0, below: 1 }),
          minVisits: parseNumber(o.minVisits, "--min-visits", WHOLE),
          skipTrain: o.skipTrain,
          unsafeNoSandbox: o.unsafeNoSandbox,
        });
        const m = result.methodCheck;
        process.stdout.write(
          [
            `report: ${result.reportPath}`,
            ...result.stages.map((s) => `  ${s.name.padEnd(9)} ${s.status.padEnd(8)} ${s.detail}`),
            m
              ? `method check: ${m.pairs} pairs, precision ${m.precision === null ? "n/a" : m.precision.toFixed(2)}, recall ${m.recall === null ? "n/a" : m.recall.toFixed(2)} (over all fatal decisions ${m.recallAll === null ? "n/a" : m.recallAll.toFixed(2)}), ${m.modelTurns} model turns`
              : "",
            `view: ${result.viewCommand}`,
            "",
          ].join("\n"),
        );
        if (result.stages.some((s) => s.status === "failed")) process.exitCode = 1;
      },
    );
}
