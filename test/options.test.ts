import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeRule, parseNumber } from "../src/commands/options.js";
import { InputError } from "../src/errors.js";
import { runCli } from "../src/run-cli.js";
import { tempDir } from "./helpers/paths.js";

/** The exit code and stderr of an in-process `sealign ARGS` (no subprocess start-up). */
async function cli(...args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = "";
  const status = await runCli(["node", "sealign", ...args], { write: (text: string) => (stderr += text) });
  return { status, stderr };
}

describe("the shared number parser of every command's flags", () => {
  it("takes what a user types as a number and keeps the bounds", () => {
    expect(parseNumber("3", "--n", { integer: true, min: 1 })).toBe(3);
    expect(parseNumber("1e3", "--n", { integer: true })).toBe(1000);
    expect(parseNumber(" 0.25 ", "--p", { min: 0, below: 1 })).toBe(0.25);
    expect(parseNumber("0", "--seed", { integer: true, min: 0 })).toBe(0);
  });

  it.each([
    ["", { integer: true, min: 0 }, 'expected an integer >= 0, got ""'],
    ["  ", {}, 'expected a number, got "  "'],
    ["0x10", { integer: true }, 'expected an integer, got "0x10"'],
    ["Infinity", {}, 'expected a number, got "Infinity"'],
    ["1.5", { integer: true, min: 1 }, 'expected an integer >= 1, got "1.5"'],
    ["0", { integer: true, min: 1 }, 'expected an integer >= 1, got "0"'],
    ["0", { above: 0 }, 'expected a number > 0, got "0"'],
    ["1", { min: 0, below: 1 }, 'expected a number in [0, 1), got "1"'],
    ["70000", { integer: true, min: 0, max: 65535 }, 'expected an integer in [0, 65535], got "70000"'],
  ])("refuses %j (%o) naming the flag", (value, rule, message) => {
    let error: unknown;
    try {
      parseNumber(value, "--flag", rule);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).field).toBe("--flag");
    expect((error as InputError).message).toBe(`field --flag: --flag: ${message}`);
  });

  it("describes open and closed bounds", () => {
    expect(describeRule({ above: 0, below: 1 })).toBe("a number in (0, 1)");
    expect(describeRule({ integer: true, max: 9 })).toBe("an integer <= 9");
  });

  it.each([
    [
      ["worker", "--queue", "redis://127.0.0.1:1", "--concurrency", "0"],
      "--concurrency: expected an integer >= 1",
    ],
    [["view", ".", "--port", "99999"], "--port: expected an integer in [0, 65535]"],
    [
      ["demo", "-o", join(tempDir("sealign-options-"), "d"), "--threshold", "1.5"],
      "--threshold: expected a number in [0, 1)",
    ],
    [["tree", "x.jsonl", "-o", "out", "--threshold", "1"], "--threshold: expected a number in [0, 1)"],
    [
      ["tasks", "export", "-o", join(tempDir("sealign-options-"), "t.jsonl"), "--limit", "many"],
      '--limit: expected an integer >= 0, got "many"',
    ],
  ])("sealign %j exits 2 with the flag and its rule", async (args, message) => {
    const { status, stderr } = await cli(...args);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
  });
});
