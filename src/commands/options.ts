import { type Command, Option } from "commander";
import { InputError } from "../errors.js";
import { describeRule, meetsRule, type NumberRule } from "../schema/number-rule.js";

/**
 * What every command shares in how it talks: the output option's spelling, colour on a terminal,
 * checked filter values and the "next command" line a stage ends with.
 */

/** A stream that may be a terminal (process.stderr / stdout). */
export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Colour only on a terminal, never when piped, and never with NO_COLOR set (https://no-color.org)
 * or TERM=dumb; FORCE_COLOR turns it on anyway.
 */
export function useColour(stream: OutStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0") return true;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["TERM"] === "dumb") return false;
  return stream.isTTY === true;
}

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
export type Colour = keyof typeof CODES;

/** `text` in a colour when the stream takes colour, else as it is. */
export function paint(stream: OutStream, colour: Colour, text: string, env?: NodeJS.ProcessEnv): string {
  return useColour(stream, env) ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/**
 * The last lines of a stage: where its output is and the command that comes next, e.g.
 * `wrote trees/ (626 trees)` then `next: sealign pairs run/validated -o pairs.jsonl`.
 */
export function finalLines(stream: OutStream, wrote: string, next: string | null): void {
  stream.write(`${paint(stream, "green", "wrote")} ${wrote}\n`);
  if (next) stream.write(`${paint(stream, "dim", "next:")} ${paint(stream, "cyan", next)}\n`);
}

/** Quote a path for a shell command line shown to the user (only when it needs it). */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Values given to a filter (`--language rust`) checked against the values that exist: an unknown
 * one is an error listing the known ones, not an empty result.
 */
export function checkChoices(
  values: readonly string[] | undefined,
  known: readonly string[],
  flag: string,
): void {
  for (const value of values ?? []) {
    if (!known.includes(value)) {
      throw new InputError(`${flag} ${JSON.stringify(value)} is not one of: ${known.join(", ")}`);
    }
  }
}

/**
 * `-o, --output <x>` with the older spelling `--out <x>` kept as a hidden alias (scripts and the
 * demo use it); read the value back with `outputOf`.
 */
export function addOutputOption(
  command: Command,
  argument: string,
  description: string,
  options: { required?: boolean; default?: string } = {},
): Command {
  const main = new Option(`-o, --output <${argument}>`, description);
  if (options.default !== undefined) main.default(options.default);
  command.addOption(main);
  command.addOption(new Option(`--out <${argument}>`, "same as --output").hideHelp());
  if (options.required) {
    command.hook("preAction", (_, action) => {
      const o = action.opts() as { output?: string; out?: string };
      if (o.out === undefined && o.output === undefined) {
        action.error(`error: required option '-o, --output <${argument}>' not specified`, {
          exitCode: 2,
          code: "commander.missingMandatoryOptionValue",
        });
      }
    });
  }
  return command;
}

/** The output path, whichever spelling was used (`--out` wins over a default `--output`). */
export function outputOf(options: { output?: string; out?: string }): string {
  const value = options.out ?? options.output;
  if (value === undefined) throw new InputError("no output given (-o, --output)");
  return value;
}

export { describeRule, meetsRule, type NumberRule } from "../schema/number-rule.js";

/**
 * A flag's value as a number that keeps `rule`; anything else is an InputError naming the flag
 * (exit 2): `--samples: expected an integer >= 1, got "0"`. Every command's number flags go
 * through here, so that they share one set of rules (an empty value is not 0, `1e3` is 1000,
 * `0x10` is not taken) and one message.
 */
export function parseNumber(value: string, flag: string, rule: NumberRule = {}): number {
  // Number("") and Number("  ") are 0, Number("0x10") is 16: neither is what a user typed.
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN;
  if (!meetsRule(n, rule))
    throw new InputError(`${flag}: expected ${describeRule(rule)}, got "${value}"`, { field: flag });
  return n;
}

/** `parseNumber` as a commander option parser: `.option("--jobs <n>", "...", numberOption("--jobs", { integer: true, min: 1 }), 1)`. */
export function numberOption(flag: string, rule: NumberRule = {}): (value: string) => number {
  return (value) => parseNumber(value, flag, rule);
}
