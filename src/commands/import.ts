import type { Command } from "commander";
import { InputError } from "../errors.js";
import { expandImportInputs } from "../importers/files.js";
import { IMPORT_FORMATS, type ImportFileResult, type ImportFormat, importFiles } from "../importers/index.js";
import { checkInputFiles, ensureOutputFile, refuseOutputAmongInputs } from "../io/paths.js";

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
    .argument(
      "<files...>",
      "input files (.jsonl[.gz|.zst], .json, .traj, .traj.json, .parquet), or folders: every such file under them",
    )
    .option("--from <format>", `input format, detected when left out (${IMPORT_FORMATS.join(", ")})`)
    .requiredOption("-o, --output <file>", "output trajectories (.jsonl), written atomically")
    .option("--skip-invalid", "skip bad records and report them instead of stopping at the first")
    .action(async (paths: string[], options: ImportCommandOptions) => {
      if (options.from && !(IMPORT_FORMATS as readonly string[]).includes(options.from)) {
        throw new InputError(
          `--from: unknown format "${options.from}" (known: ${IMPORT_FORMATS.join(", ")})`,
        );
      }
      const { files, leftOut } = await expandImportInputs(paths);
      await checkInputFiles(files);
      await refuseOutputAmongInputs(options.output, files, "--output");
      await ensureOutputFile(options.output, "--output");
      const results = await importFiles(files, options.output, {
        from: options.from as ImportFormat | undefined,
        skipInvalid: options.skipInvalid,
      });
      for (const result of results) process.stderr.write(describeResult(result));
      if (leftOut.length > 0) {
        const reasons = new Map<string, number>();
        for (const { reason } of leftOut) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        for (const [reason, count] of reasons) process.stderr.write(`left out ${count} file(s): ${reason}\n`);
      }
      if (results.length > 1) process.stderr.write(describeFormats(results));
      const total = results.reduce((n, r) => n + r.trajectories, 0);
      process.stderr.write(`wrote ${total} trajectories to ${options.output}\n`);
    });
}

/** Files and trajectories per detected format, for imports of several files or a folder. */
function describeFormats(results: ImportFileResult[]): string {
  const byFormat = new Map<string, { files: number; trajectories: number }>();
  for (const result of results) {
    const key = result.format ?? "no records";
    const entry = byFormat.get(key) ?? { files: 0, trajectories: 0 };
    entry.files++;
    entry.trajectories += result.trajectories;
    byFormat.set(key, entry);
  }
  const parts = [...byFormat].map(
    ([format, n]) => `${format}: ${n.files} file(s), ${n.trajectories} trajectories`,
  );
  return `by format: ${parts.join("; ")}\n`;
}

function describeResult(result: ImportFileResult): string {
  const lines = [`${result.file}: ${result.format ?? "no records"}, ${result.trajectories} trajectories`];
  if (result.skipped.count > 0) lines.push(`  ${result.skipped.summary()}`);
  for (const [note, count] of result.notes) lines.push(`  note (${count}): ${note}`);
  return `${lines.join("\n")}\n`;
}
