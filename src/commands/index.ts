import type { Command } from "commander";

/**
 * Every CLI command, in pipeline order. Each lives in its own module named after it
 * (src/commands/<name>.ts) and exports one `register*` function, added here.
 */
export function registerCommands(program: Command): void {
  void program;
}
