import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EPISODE_DEFAULTS } from "../src/agent/episode.js";
import { loadBuiltinTasks } from "../src/builtin/load.js";
import {
  COLLECT_DEFAULTS,
  COLLECT_NUMBER_RULES,
  CollectConfigSchema,
  resolveCollectConfig,
} from "../src/collect/config.js";
import { InputError } from "../src/errors.js";
import { writeJsonlAtomic } from "../src/io/atomic.js";
import { runCli } from "../src/run-cli.js";
import { DEFAULT_BASH_LIMITS } from "../src/tools/bash.js";
import { tempDir } from "./helpers/paths.js";

async function cli(...args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = "";
  process.exitCode = undefined;
  const status = await runCli(["node", "sealign", ...args], { write: (text: string) => (stderr += text) });
  process.exitCode = undefined;
  return { status, stderr };
}

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("no error");
}

function configFile(text: string): string {
  const file = join(tempDir("sealign-collect-config-"), "collect.yaml");
  writeFileSync(file, text);
  return file;
}

describe("the collect config schema", () => {
  it("takes its defaults from the library's (episode, bash) and has one rule per number field", () => {
    expect(COLLECT_DEFAULTS.episode).toMatchObject({
      max_turns: EPISODE_DEFAULTS.maxTurns,
      stuck_repeat: EPISODE_DEFAULTS.stuckRepeat,
      time_limit_s: EPISODE_DEFAULTS.wallClockMs / 1000,
    });
    expect(COLLECT_DEFAULTS.bash).toEqual({
      command_timeout_s: DEFAULT_BASH_LIMITS.hardTimeoutMs / 1000,
      soft_timeout_s: DEFAULT_BASH_LIMITS.softTimeoutMs / 1000,
      max_output_chars: DEFAULT_BASH_LIMITS.maxOutputChars,
    });
    expect(COLLECT_DEFAULTS).toMatchObject({ strategy: "independent", budget: null, samples: 1 });
    // each rule is the one its field is checked by: -1.5 breaks every rule, at that field
    for (const field of Object.keys(COLLECT_NUMBER_RULES)) {
      const [head, tail] = field.split(".") as [string, string | undefined];
      const raw = tail === undefined ? { [head]: -1.5 } : { [head]: { [tail]: -1.5 } };
      const result = CollectConfigSchema.safeParse(raw);
      expect(result.success, field).toBe(false);
      expect(result.error?.issues[0]?.path.join("."), field).toBe(field);
    }
  });

  it("reads a file, resolves its paths from the file's folder, and lets a flag win", () => {
    const file = configFile(
      "tasks: tasks.jsonl\nmodel: sim\noutput: run\nsamples: 3\nepisode:\n  max_turns: 5\n  stuck_repeat: 0\nbash:\n  soft_timeout_s: 2\n",
    );
    const config = resolveCollectConfig(file, [
      { field: "episode.max_turns", flag: "--max-turns", value: 7 },
    ]);
    const folder = join(file, "..");
    expect(config.tasks).toBe(join(folder, "tasks.jsonl"));
    expect(config.output).toBe(join(folder, "run"));
    expect(config.samples).toBe(3);
    expect(config.episode).toMatchObject({ max_turns: 7, stuck_repeat: 0 });
    expect(config.bash).toMatchObject({ soft_timeout_s: 2, command_timeout_s: 300 });
  });

  it.each([
    ["episode:\n  max_turns: 0\n", "episode.max_turns", /expected an integer >= 1/],
    ["bash:\n  soft_timeout: 2\n", "bash", /soft_timeout/],
    ["strategy: mcts\n", "strategy", /independent/],
    ["budget: 10\n", "budget", /strategy tree/],
    ["samples: many\n", "samples", /number/],
  ])("a bad file (%j) is an InputError naming the file and the field", (text, field, message) => {
    const file = configFile(`tasks: t.jsonl\nmodel: sim\noutput: run\n${text}`);
    const error = thrown(() => resolveCollectConfig(file));
    expect(error.file).toBe(file);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("malformed YAML, a list, a missing file and a missing model name the file", () => {
    expect(thrown(() => resolveCollectConfig(configFile("episode: [\n"))).message).toMatch(/malformed YAML/);
    expect(thrown(() => resolveCollectConfig(configFile("- a\n"))).message).toMatch(/mapping/);
    expect(thrown(() => resolveCollectConfig("/nonexistent/collect.yaml")).file).toBe(
      "/nonexistent/collect.yaml",
    );
    const noModel = thrown(() => resolveCollectConfig(configFile("tasks: t.jsonl\noutput: run\n")));
    expect(noModel).toMatchObject({ field: "model" });
    expect(noModel.message).toMatch(/give --model or model: in the config file/);
  });

  it("a bad value from a flag names the flag, not the file", () => {
    const file = configFile("tasks: t.jsonl\nmodel: sim\noutput: run\n");
    const error = thrown(() => resolveCollectConfig(file, [{ field: "budget", flag: "--budget", value: 4 }]));
    expect(error.field).toBe("--budget");
    expect(error.file).toBeUndefined();
  });
});

describe("sealign collect --config", () => {
  it("exits 2 on a bad file, naming the file and the field", async () => {
    const file = configFile("tasks: t.jsonl\nmodel: sim\noutput: run\nepisode:\n  stuck_repeat: -1\n");
    const { status, stderr } = await cli("collect", "--config", file, "--quiet");
    expect(status).toBe(2);
    expect(stderr).toContain(
      `${file}: field episode.stuck_repeat: invalid collect config: expected an integer >= 0`,
    );
  });

  it("exits 2 on a bad flag with its rule, the file's value aside", async () => {
    const file = configFile("tasks: t.jsonl\nmodel: sim\noutput: run\n");
    const { status, stderr } = await cli("collect", "--config", file, "--max-turns", "0", "--quiet");
    expect(status).toBe(2);
    expect(stderr).toContain('--max-turns: expected an integer >= 1, got "0"');
  });

  it("runs with the file's settings, flags over them", async () => {
    const dir = tempDir("sealign-collect-config-run-");
    // a built-in task: the simulated model imitates its gold patch
    await writeJsonlAtomic(join(dir, "tasks.jsonl"), (await loadBuiltinTasks()).slice(0, 1));
    const file = join(dir, "collect.yaml");
    writeFileSync(
      file,
      "tasks: tasks.jsonl\nmodel: sim\noutput: run\nsamples: 2\nepisode:\n  max_turns: 4\n  stuck_repeat: 5\n",
    );
    const { status, stderr } = await cli("collect", "--config", file, "--max-turns", "6", "--quiet");
    expect(status, stderr).toBe(0);
    const lines = readFileSync(join(dir, "run", "trajectories.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(lines).toHaveLength(2); // samples from the file
    for (const line of lines) {
      const episode = JSON.parse(line).metadata.episode;
      expect(episode).toMatchObject({ max_turns: 6, stuck_repeat: 5 }); // the flag, then the file
    }
  });
});
