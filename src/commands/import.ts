import type { Command } from "commander";
import { InputError } from "../errors.js";
import { IMPORT_FORMATS, type ImportFileResult, type ImportFormat, importFiles } from "../importers/index.js";

interface ImportCommandOptions {
  from?: string;
  output: string;
  skipInvalid?: boolean;
}

/** `sealign import FILE... [--from FORMAT] -o out.jsonl` */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "convert OpenHands, SWE-agent, mini-swe-agent, message-row or SWE-bench prediction files into sealign trajectories",
    )
    .argument("<files...>", "input files (.jsonl[.gz|.zst], .json, .traj, .traj.json, .parquet)")
    .option("--from <format>", `input format, detected when left out (${IMPORT_FORMATS.join(", ")})`)
    .requiredOption("-o, --output <file>", "output trajectories (.jsonl), written atomically")
    .option("--skip-invalid", "skip bad records and report them instead of stopping at the first")
    .action(async (files: string[], options: ImportCommandOptions) => {
      if (options.from && !(IMPORT_FORMATS as readonly string[]).includes(options.from)) {
        throw new InputError(
          `--from: unknown format "${options.from}" (known: ${IMPORT_FORMATS.join(", ")})`,
        );
      }
      const results = await importFiles(files, options.output, {
        from: options.from as ImportFormat | undefined,
        skipInvalid: options.skipInvalid,
      });
      for (const result of results) process.stderr.write(describeResult(result));
      const total = results.reduce((n, r) => n + r.trajectories, 0);
      process.stderr.write(`wrote ${total} trajectories to ${options.output}\n`);
    });
}

function describeResult(result: ImportFileResult): string {
  const lines = [`${result.file}: ${result.format ?? "no records"}, ${result.trajectories} trajectories`];
  if (result.skipped.count > 0) lines.push(`  ${result.skipped.summary()}`);
  for (const [note, count] of result.notes) lines.push(`  note (${count}): ${note}`);
  return `${lines.join("\n")}\n`;
}
