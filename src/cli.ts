#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerCommands } from "./commands/index.js";
import { EXIT, InputError } from "./errors.js";
import { SEALIGN_VERSION } from "./version.js";

const program = new Command()
  .name("sealign")
  .description("Align open code models as software-engineering agents (SEAlign: critical-action DPO).")
  .version(SEALIGN_VERSION)
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  } else if (error instanceof InputError) {
    process.stderr.write(`sealign: error: ${error.message}\n`);
    process.exitCode = EXIT.badInput;
  } else {
    process.stderr.write(`sealign: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = EXIT.failure;
  }
}
