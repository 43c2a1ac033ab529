import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/run-cli.js";
import {
  callMessage,
  type ScriptedServer,
  startScriptedServer,
  toolCall,
} from "./doubles/scripted-openai-server.js";
import { sharedData, tempDir } from "./helpers/paths.js";

/**
 * collect against a model server that is down: every episode is a model_error, and the run
 * exits 1; a rerun against the right server retries those episodes (by default), leaving one
 * line per (task, sample) in trajectories.jsonl and the old lines in retried.jsonl;
 * --no-retry-errors keeps them.
 */
let server: ScriptedServer;
let tasksFile: string;

beforeAll(async () => {
  server = await startScriptedServer((body) => {
    const messages = body.messages as { role: string }[];
    return {
      message:
        messages.at(-1)?.role === "tool"
          ? callMessage(toolCall("finish", { message: "done" }))
          : callMessage(toolCall("execute_bash", { command: "echo hello" })),
    };
  });
  const dir = tempDir();
  tasksFile = join(dir, "tasks.jsonl");
  const lines = readFileSync(sharedData("humanevalfix-python.jsonl"), "utf8").split("\n").slice(0, 2);
  writeFileSync(tasksFile, `${lines.join("\n")}\n`);
});
afterAll(async () => {
  await server.close();
});

async function collectCli(runDir: string, baseUrl: string, extra: string[] = []): Promise<number> {
  process.exitCode = undefined;
  const status = await runCli(
    [
      "node",
      "sealign",
      "collect",
      "--tasks",
      tasksFile,
      "--model",
      "openai:scripted",
      "--base-url",
      baseUrl,
      "--retries",
      "0",
      "--request-timeout",
      "5",
      "--quiet",
      "-o",
      runDir,
      ...extra,
    ],
    { write: () => undefined },
  );
  process.exitCode = undefined;
  return status;
}

function lines(
  path: string,
): { task_id: string; provenance: { sample_index: number }; outcome: { exit_reason: string } }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

// Nothing listens on port 1 of 127.0.0.1: connections are refused at once.
const DOWN = "http://127.0.0.1:1/v1";

describe("collect with an unreachable model server", () => {
  it("exits 1 when every episode is a model_error, and a rerun retries them exactly once", {
    timeout: 180_000,
  }, async () => {
    const runDir = join(tempDir(), "run");
    expect(await collectCli(runDir, DOWN)).toBe(1);
    const failed = lines(join(runDir, "trajectories.jsonl"));
    expect(failed.map((t) => t.outcome.exit_reason)).toEqual(["model_error", "model_error"]);

    expect(await collectCli(runDir, server.baseUrl)).toBe(0);
    const results = lines(join(runDir, "trajectories.jsonl"));
    expect(results).toHaveLength(2);
    expect(results.map((t) => t.outcome.exit_reason).every((r) => r !== "model_error")).toBe(true);
    expect(new Set(results.map((t) => `${t.task_id}#${t.provenance.sample_index}`)).size).toBe(2);
    expect(lines(join(runDir, "retried.jsonl"))).toEqual(failed);

    // a third run has nothing left to do
    const before = readFileSync(join(runDir, "trajectories.jsonl"), "utf8");
    expect(await collectCli(runDir, server.baseUrl)).toBe(0);
    expect(readFileSync(join(runDir, "trajectories.jsonl"), "utf8")).toBe(before);
  });

  it("--no-retry-errors keeps the model_error episodes as results", { timeout: 180_000 }, async () => {
    const runDir = join(tempDir(), "run");
    expect(await collectCli(runDir, DOWN)).toBe(1);
    const failed = readFileSync(join(runDir, "trajectories.jsonl"), "utf8");
    expect(await collectCli(runDir, server.baseUrl, ["--no-retry-errors"])).toBe(0);
    expect(readFileSync(join(runDir, "trajectories.jsonl"), "utf8")).toBe(failed);
    expect(existsSync(join(runDir, "retried.jsonl"))).toBe(false);
  });
});
