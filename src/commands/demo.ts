import { type Command, Option } from "commander";
import { runDemo } from "../demo/run.js";
import { InputError } from "../errors.js";
import { parseStrategy } from "./collect.js";
import { outputOf } from "./options.js";

function number(value: string, field: string, integer = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new InputError(`expected a ${integer ? "whole " : ""}number, got "${value}"`, { field });
  return n;
}

/** `--budget`: model turns, only with the tree strategy. */
function budgetOf(value: string, strategy: string): number {
  if (strategy !== "tree")
    throw new InputError("--budget counts the model turns of --strategy tree; give --strategy tree too", {
      field: "--budget",
    });
  const n = number(value, "--budget", true);
  if (n < 1) throw new InputError(`expected a whole number >= 1, got "${value}"`, { field: "--budget" });
  return n;
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
    .option("--budget <turns>", "with --strategy tree: model turns per task (default: --samples' worth)")
    .option("--limit <n>", "only the first N built-in tasks")
    .option("--language <names>", "only these languages (python,javascript)")
    .option(
      "--sim <settings>",
      "simulator settings, e.g. wrong_place=0.5,recover=0.2 (docs/simulator.md)",
      "",
    )
    .option("--seed <n>", "base seed", "0")
    .option("--concurrency <n>", "episodes and validations at a time", "2")
    .option("--threshold <gap>", "critical-pair score gap", "0.5")
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
          samples: number(o.samples, "--samples", true),
          strategy: parseStrategy(o.strategy),
          ...(o.budget === undefined ? {} : { budget: budgetOf(o.budget, o.strategy) }),
          limit: o.limit === undefined ? undefined : number(o.limit, "--limit", true),
          languages: o.language?.split(",").map((s) => s.trim()),
          sim: o.sim,
          seed: number(o.seed, "--seed", true),
          concurrency: Math.max(1, number(o.concurrency, "--concurrency", true)),
          threshold: number(o.threshold, "--threshold"),
          minVisits: number(o.minVisits, "--min-visits", true),
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
