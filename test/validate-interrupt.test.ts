import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateRun } from "../src/validate/run.js";
import { CLI, tempDir } from "./helpers/paths.js";
import { humanEvalFixTasks, prediction, touchPatch, writeAllTasks } from "./validate-fixtures.js";

describe("an interrupted validate", { timeout: 240_000 }, () => {
  it("dies of the signal, leaves no workspace behind, keeps the verdicts reached, and resumes", async () => {
    const dir = tempDir("sealign-validate-int-");
    const tasksFile = writeAllTasks(dir);
    const tasks = humanEvalFixTasks("python");
    // Two quick tasks first (ids sort before the looping one), then one that loops forever.
    const ids = ["humanevalfix-python-0", "humanevalfix-python-1", "humanevalfix-python-10"];
    const input = join(dir, "p.jsonl");
    writeFileSync(
      input,
      `${ids.map((id) => prediction(id, touchPatch(tasks.find((t) => t.instance_id === id)!))).join("\n")}\n`,
    );
    const out = join(dir, "out");
    const child = spawn(
      process.execPath,
      [CLI, "validate", input, "--tasks", tasksFile, "-o", out, "--timeout", "6", "--no-cache"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    // Wait until the two quick verdicts are on disk, then interrupt during the endless one.
    const results = join(out, "results.jsonl");
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      if (existsSync(results) && readFileSync(results, "utf8").trim().split("\n").length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGINT");
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on("close", (c, s) => resolve([c, s])),
    );
    expect(signal ?? code).toBe("SIGINT");
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`sealign-validate-ws-${child.pid}-`))).toEqual(
      [],
    );
    expect(readFileSync(results, "utf8").trim().split("\n")).toHaveLength(2);
    expect(existsSync(join(out, "summary.json"))).toBe(false);

    // The rerun (same settings) keeps the two verdicts and validates only the third.
    const summary = await validateRun({
      input,
      tasks: tasksFile,
      out,
      timeoutS: 6,
      cacheDir: null,
      progress: null,
    });
    expect(summary.sealign.cache.resumed).toBe(2);
    expect(summary.sealign.cache.tests_run).toBe(1);
    expect(summary.sealign.timed_out_ids).toEqual(["humanevalfix-python-10"]);
  });
});
