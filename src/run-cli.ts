import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.js";
import { EXIT, InputError } from "./errors.js";
import { pathErrorAsInputError } from "./io/paths.js";
import { SEALIGN_VERSION } from "./version.js";

/** The `sealign` program with every command registered (a fresh one per call: commander keeps state). */
export function buildProgram(): Command {
  const program = new Command()
    .name("sealign")
    .description("Align open code models as software-engineering agents (SEAlign: critical-action DPO).")
    .version(SEALIGN_VERSION)
    // A usage error is the one line that is wrong plus a pointer, not the whole help.
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  registerCommands(program);
  return program;
}

/**
 * Run the CLI on `argv` (node, script, args...) and return its exit code: 2 for bad input (an
 * InputError, a usage error, or a path problem), 1 for any other failure. The one place that
 * turns errors into exit codes, shared by `dist/cli.js` and in-process tests.
 */
export async function runCli(
  argv: readonly string[],
  stderr: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    if (error instanceof InputError) {
      stderr.write(`sealign: error: ${error.message}\n`);
      return EXIT.badInput;
    }
    // A path problem that no stage checked for (a missing input, a read-only output folder)
    // is still bad input: the path and the reason, exit 2, not a stack trace.
    const pathError = pathErrorAsInputError(error);
    if (pathError) {
      stderr.write(`sealign: error: ${pathError.message}\n`);
      return EXIT.badInput;
    }
    stderr.write(`sealign: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failure;
  }
}
