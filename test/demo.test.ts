import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { methodCheck } from "../src/demo/method-check.js";
import { bwrapAvailable } from "../src/sandbox/bwrap.js";
import type { Pair } from "../src/schema/pair.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { CLI, tempDir } from "./helpers/paths.js";

const exec = promisify(execFile);
const sandboxFlag = bwrapAvailable() ? [] : ["--unsafe-no-sandbox"];
// Every wrong file is caught by the reproduced tests and never recovered from: a failed episode
// is doomed exactly at its `locate` decision, so the critical pairs are known in advance.
const SIM = "wrong_place=0.5,reproduce=1,recover=0,finish_early=0,give_up=0,repeat=0";

describe("sealign demo", () => {
  it("runs every stage offline and writes trees, pairs, eval and a report; rerun resumes", async () => {
    const out = join(tempDir(), "demo");
    const args = [
      CLI,
      "demo",
      "-o",
      out,
      "--limit",
      "2",
      "--samples",
      "4",
      "--sim",
      SIM,
      "--skip-train",
      ...sandboxFlag,
    ];
    const first = await exec("node", args, { maxBuffer: 64 << 20 });
    expect(first.stderr).toMatch(/demo \[1\/9\] tasks/);
    expect(first.stderr).toMatch(/demo \[9\/9\] report: done/);
    expect(first.stdout).toContain(`view: sealign view ${out}`);

    const summary = JSON.parse(readFileSync(join(out, "demo.json"), "utf8"));
    const status = Object.fromEntries(
      summary.stages.map((s: { name: string; status: string }) => [s.name, s.status]),
    );
    for (const name of ["tasks", "collect", "validate", "tree", "pairs", "eval"])
      expect(status[name]).toBe("done");
    expect(status.train).toMatch(/skipped|missing/);
    expect(["done", "skipped"]).toContain(status.export); // skipped without the trainer environment
    expect(summary.trajectories).toBe(8);
    expect(summary.resolved).toBeGreaterThan(0);
    expect(summary.resolved).toBeLessThan(8);

    const index = JSON.parse(readFileSync(join(out, "trees", "index.json"), "utf8"));
    expect(JSON.stringify(index)).toContain("sealign-builtin__");
    const pairs = readFileSync(join(out, "pairs.jsonl"), "utf8").trim().split("\n").filter(Boolean);
    expect(pairs.length).toBeGreaterThan(0);
    // With these settings every pair rejects the wrong file and chooses the right one.
    expect(summary.method_check.precision).toBe(1);
    expect(summary.method_check.recall).toBe(1);
    for (const line of pairs) {
      const pair = JSON.parse(line);
      expect(pair.meta.depth).toBe(1);
      expect(pair.chosen[0].tool_calls[0].function.name).toBe("str_replace_editor");
    }
    expect(existsSync(join(out, "eval", "eval.md"))).toBe(true);
    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toContain("Method check");
    expect(report).toContain("simulated teacher");
    expect(report).toMatch(/\| train \| (skipped|missing) \|/);

    const again = await exec("node", args, { maxBuffer: 64 << 20 });
    expect(again.stderr).toMatch(/0 run now, 8 resumed/);
  }, 240_000);

  it("rejects bad settings with exit code 2 before doing any work", async () => {
    const out = join(tempDir(), "demo");
    const bad = await exec("node", [CLI, "demo", "-o", out, "--sim", "colour=0.5"]).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown simulator setting "colour"/);
    // The option the user typed, not the --model of collect's sim:... spelling.
    expect(bad.stderr).toMatch(/field --sim: /);
    expect(bad.stderr).not.toContain("--model");
    expect(existsSync(join(out, "run"))).toBe(false);
    const samples = await exec("node", [CLI, "demo", "-o", out, "--samples", "x"]).catch((e) => e);
    expect(samples.code).toBe(2);
  });
});

describe("method check", () => {
  const call = (name: string, args: Record<string, unknown>) => ({
    id: `c${Math.random()}`,
    type: "function" as const,
    function: { name, arguments: JSON.stringify(args) },
  });
  /** A hand-made simulated trajectory: explore, then view `file`; `mistake` marks turn 1. */
  function trajectory(id: string, file: string, mistake: boolean, resolved: boolean): Trajectory {
    const explore = call("execute_bash", { command: "ls" });
    const view = call("str_replace_editor", { command: "view", path: file });
    const done = call("finish", { message: "done" });
    const requests = [
      { provider: "sim", turn: 0, decision: null, outcome: null, mistake_turns: [], fatal_turn: null },
      {
        provider: "sim",
        turn: 1,
        decision: { name: "locate", choice: mistake ? "wrong-file" : "right-file", mistake },
        outcome: null,
        mistake_turns: mistake ? [1] : [],
        fatal_turn: null,
      },
      {
        provider: "sim",
        turn: 2,
        decision: null,
        outcome: {
          expected_resolved: resolved,
          fatal_turn: resolved ? null : 1,
          fatal_decision: resolved ? null : "locate",
        },
        mistake_turns: mistake ? [1] : [],
        fatal_turn: resolved ? null : 1,
      },
    ];
    return {
      id,
      task_id: "t",
      outcome: { resolved },
      metadata: { requests },
      messages: [
        { role: "user", content: "fix" },
        { role: "assistant", content: "", tool_calls: [explore] },
        { role: "tool", tool_call_id: explore.id, content: "a.py" },
        { role: "assistant", content: "", tool_calls: [view] },
        { role: "tool", tool_call_id: view.id, content: "x" },
        { role: "assistant", content: "", tool_calls: [done] },
        { role: "tool", tool_call_id: done.id, content: "done" },
      ],
    } as unknown as Trajectory;
  }
  const pair = (depth: number, chosen: string[], rejected: string[]): Pair =>
    ({
      kind: "critical",
      task_id: "t",
      meta: { depth, chosen_trajectory_ids: chosen, rejected_trajectory_ids: rejected },
    }) as unknown as Pair;

  it("scores precision and recall of pairs against the fatal decisions", () => {
    const ts = [
      trajectory("a", "right.py", false, true),
      trajectory("b", "wrong.py", true, false),
      trajectory("c", "wrong.py", true, false),
    ];
    const right = methodCheck(ts, [pair(1, ["a"], ["b", "c"])]);
    expect(right).toMatchObject({
      pairs: 1,
      correctPairs: 1,
      precision: 1,
      decisions: 1,
      detectableDecisions: 1,
      recall: 1,
    });
    const wrongDepth = methodCheck(ts, [pair(0, ["a"], ["b"])]);
    expect(wrongDepth).toMatchObject({ correctPairs: 0, precision: 0, recall: 0 });
    const none = methodCheck(ts, []);
    expect(none.precision).toBeNull();
    expect(none.recall).toBe(0);
    // Without a right-file sibling the decision cannot be detected: recall has nothing to count.
    const alone = methodCheck(ts.slice(1), []);
    expect(alone).toMatchObject({ decisions: 1, detectableDecisions: 0, recall: null, recallAll: 0 });
  });
});
