import type { Command } from "commander";
import { checkInputFile } from "../io/paths.js";
import { loadTrainConfig } from "../train/config.js";
import { runTraining } from "../train/run.js";

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "SFT, then DPO from the SFT checkpoint, with TRL in the project's Python environment; resumes after a crash; converts the result to GGUF",
    )
    .requiredOption("--config <file>", "train.yaml (see docs/train.md)")
    .option("--verbose", "also print everything the trainer prints")
    .option("--json", "print the result as JSON on stdout")
    .action(async (o: { config: string; verbose?: boolean; json?: boolean }) => {
      await checkInputFile(o.config, "--config");
      const config = loadTrainConfig(o.config);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const result = await runTraining(config, {
          signal: controller.signal,
          onProgress: (line) => process.stderr.write(`train: ${line}\n`),
          ...(o.verbose ? { onOutput: (line: string) => process.stderr.write(`  ${line}\n`) } : {}),
        });
        if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else
          process.stderr.write(
            `trained model: ${result.finalModel}\n${result.gguf ? `GGUF: ${result.gguf}\n` : ""}report: ${result.report}\n`,
          );
      } finally {
        process.removeListener("SIGINT", stop);
        process.removeListener("SIGTERM", stop);
      }
    });
}
