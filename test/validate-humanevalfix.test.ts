import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../src/schema/task.js";
import { buildTrajectory } from "../src/trajectories/build.js";
import { readTrajectories } from "../src/trajectories/read.js";
import { readReport, validateRun } from "../src/validate/run.js";
import { CLI, tempDir } from "./helpers/paths.js";
import {
  HAND_FIXES,
  humanEvalFixTasks,
  prediction,
  replacementPatch,
  touchPatch,
  writeAllTasks,
} from "./validate-fixtures.js";

/** The HumanEvalFix tasks whose buggy code loops forever (found by running all 328). */
const LOOPING = [
  "humanevalfix-python-10",
  "humanevalfix-python-123",
  "humanevalfix-python-156",
  "humanevalfix-python-160",
  "humanevalfix-javascript-10",
  "humanevalfix-javascript-76",
  "humanevalfix-javascript-155",
  "humanevalfix-javascript-156",
];

describe("validate on HumanEvalFix (sandboxed, real test commands)", { timeout: 240_000 }, () => {
  const dir = tempDir("sealign-validate-");
  const all = new Map<string, Task>();
  let tasksFile: string;
  let predictionsFile: string;
  const sample: string[] = [];
  const fixed = new Set(HAND_FIXES.map(([id]) => id));

  beforeAll(async () => {
    for (const t of [...humanEvalFixTasks("python"), ...humanEvalFixTasks("js")]) all.set(t.instance_id, t);
    tasksFile = writeAllTasks(dir);
    // Untouched buggy code: every 8th task of each language plus all that loop forever.
    const ids = [...all.keys()]
      .filter((id, i) => i % 8 === 0 || LOOPING.includes(id))
      .filter((id) => !fixed.has(id));
    sample.push(...ids);
    const lines = ids.map((id) => prediction(id, touchPatch(all.get(id)!)));
    for (const [id, from, to] of HAND_FIXES)
      lines.push(prediction(id, await replacementPatch(all.get(id)!, from, to)));
    lines.push(prediction("humanevalfix-python-5", ""));
    lines.push(prediction("humanevalfix-python-6", null));
    // A patch whose context is nowhere in the file: no method can apply it.
    lines.push(
      prediction(
        "humanevalfix-python-7",
        "diff --git a/main.py b/main.py\n--- a/main.py\n+++ b/main.py\n@@ -1,3 +1,3 @@\n nothing\n-like\n+this\n here\n",
      ),
    );
    predictionsFile = join(dir, "predictions.jsonl");
    writeFileSync(predictionsFile, `${lines.join("\n")}\n`);
  });

  it("leaves buggy code unresolved (loops end by time-out), resolves hand fixes, reports empty and unappliable patches", async () => {
    const out = join(dir, "run1");
    const summary = await validateRun({
      input: predictionsFile,
      tasks: tasksFile,
      out,
      workers: 2,
      timeoutS: 3,
      cacheDir: join(dir, "cache"),
      progress: null,
    });
    const report = await readReport(out);
    for (const id of sample) {
      expect(report[id]!.resolved, id).toBe(false);
      expect(report[id]!.patch_successfully_applied, id).toBe(true);
    }
    const loopingUntouched = LOOPING.filter((id) => !fixed.has(id));
    for (const id of loopingUntouched) {
      expect(report[id]!.timed_out, id).toBe(true);
      expect(report[id]!.tests_status.FAIL_TO_PASS!.failure, id).toEqual([
        id.includes("python") ? "test.py" : "test.js",
      ]);
    }
    expect(summary.sealign.timed_out_ids.sort()).toEqual([...loopingUntouched].sort());
    for (const id of fixed) {
      expect(report[id]!.resolved, id).toBe(true);
      expect(report[id]!.timed_out, id).toBe(false);
    }
    expect(summary.resolved_ids).toEqual([...fixed].sort());
    expect(report["humanevalfix-python-5"]).toMatchObject({
      patch_exists: false,
      patch_is_None: false,
      resolved: false,
    });
    expect(report["humanevalfix-python-6"]).toMatchObject({
      patch_exists: false,
      patch_is_None: true,
      resolved: false,
    });
    expect(report["humanevalfix-python-7"]).toMatchObject({
      patch_exists: true,
      patch_successfully_applied: false,
      resolved: false,
    });
    expect(summary.empty_patch_ids).toEqual(["humanevalfix-python-5", "humanevalfix-python-6"]);
    expect(summary.sealign.apply_failed_ids).toEqual(["humanevalfix-python-7"]);
    expect(summary.error_ids).toEqual(["humanevalfix-python-7"]);
    expect(summary.sealign.cache.tests_run).toBe(sample.length + fixed.size + 1);
    // Every instance has its log; a timed-out one says so.
    const loopLog = readFileSync(join(out, report["humanevalfix-python-123"]!.log_path!), "utf8");
    expect(loopLog).toContain("(timed out)");
    expect(existsSync(join(out, "summary.json"))).toBe(true);

    // The same corpus again: every verdict comes from the cache, no test runs.
    const again = await validateRun({
      input: predictionsFile,
      tasks: tasksFile,
      out: join(dir, "run2"),
      workers: 2,
      timeoutS: 3,
      cacheDir: join(dir, "cache"),
      progress: null,
    });
    expect(again.sealign.cache.tests_run).toBe(0);
    expect(again.sealign.cache.hits).toBe(sample.length + fixed.size + 1);
    expect(again.resolved_ids).toEqual(summary.resolved_ids);
    expect(again.sealign.cache.saved_seconds).toBeGreaterThan(loopingUntouched.length * 3 - 1);
    expect((await readReport(join(dir, "run2")))["humanevalfix-python-0"]!.cached).toBe(true);
  });

  it("fills trajectories' outcomes, validates identical patches once, and resumes an interrupted run", async () => {
    const id = "humanevalfix-python-2";
    const [, from, to] = HAND_FIXES.find(([i]) => i === id)!;
    const fix = await replacementPatch(all.get(id)!, from, to);
    // The same fix four times, with whitespace and CRLF noise; plus one buggy patch.
    const variants = [
      fix,
      fix.replace(/\n/g, "\r\n"),
      fix.replace(/^(index .*)$/m, "index 0000000..1111111 100644"),
      `${fix}\n\n`,
    ];
    const make = (patch: string, n: number) =>
      buildTrajectory({
        id: `t${n}`,
        task_id: id,
        provenance: { scaffold: "test", model: "m" },
        tools: [],
        messages: [
          { role: "user", content: "fix it" },
          { role: "assistant", content: "done" },
        ],
        patch,
        outcome: { exit_reason: "finished" },
      });
    const trajectories = [...variants.map((p, n) => make(p, n)), make(touchPatch(all.get(id)!), 9)];
    const input = join(dir, "trajectories.jsonl");
    writeFileSync(input, `${trajectories.map((t) => JSON.stringify(t)).join("\n")}\n`);
    const out = join(dir, "traj-out");
    const summary = await validateRun({
      input,
      tasks: tasksFile,
      out,
      workers: 2,
      timeoutS: 5,
      cacheDir: join(dir, "cache-t"),
      progress: null,
    });
    expect(summary.sealign.cache.tests_run).toBe(2);
    expect(summary.sealign.cache.deduplicated).toBe(3);
    const validated = [];
    for await (const t of readTrajectories(join(out, "trajectories.jsonl"))) validated.push(t);
    expect(validated.map((t) => [t.id, t.outcome.resolved, t.outcome.exit_reason])).toEqual([
      ["t0", true, "finished"],
      ["t1", true, "finished"],
      ["t2", true, "finished"],
      ["t3", true, "finished"],
      ["t9", false, "finished"],
    ]);
    expect(validated[0]!.outcome.report!.log_path).toBe("logs/t0.log");

    // Resume: drop the last result and cut a line in half, as a kill would.
    const results = readFileSync(join(out, "results.jsonl"), "utf8").trimEnd().split("\n");
    writeFileSync(
      join(out, "results.jsonl"),
      `${results.slice(0, 3).join("\n")}\n${results[3]!.slice(0, 20)}`,
    );
    const resumed = await validateRun({
      input,
      tasks: tasksFile,
      out,
      workers: 1,
      timeoutS: 5,
      cacheDir: null,
      progress: null,
    });
    expect(resumed.sealign.cache.resumed).toBe(3);
    expect(resumed.sealign.cache.tests_run).toBe(2);
    expect(resumed.resolved_ids).toEqual(["t0", "t1", "t2", "t3"]);
  });

  it("CLI: prints what the cache saved, and exits 2 naming the file on bad input", () => {
    const out = join(dir, "cli");
    // What the official harness would say: the hand fixes resolved, everything else not.
    const harness = join(dir, "harness-summary.json");
    const submitted = readFileSync(predictionsFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).instance_id);
    writeFileSync(harness, JSON.stringify({ submitted_ids: submitted, resolved_ids: [...fixed] }));
    const ok = spawnSync(
      process.execPath,
      [
        CLI,
        "validate",
        predictionsFile,
        "--tasks",
        tasksFile,
        "-o",
        out,
        "--timeout",
        "3",
        "-j",
        "2",
        "--cache",
        join(dir, "cache"),
        "--harness",
        harness,
      ],
      { encoding: "utf8" },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(
      `harness agreement: ${submitted.length}/${submitted.length} instances (100.0%)`,
    );
    expect(existsSync(join(out, "agreement.json"))).toBe(true);
    expect(ok.stdout).toMatch(/cache: 0 test runs; \d+ verdicts reused \(\d+ from disk/);
    expect(ok.stderr).toMatch(/validate: \d+\/\d+ done/);
    const unknown = join(dir, "unknown.jsonl");
    writeFileSync(unknown, `${prediction("no-such-task", "x")}\n`);
    const bad = spawnSync(
      process.execPath,
      [CLI, "validate", unknown, "--tasks", tasksFile, "-o", join(dir, "bad")],
      { encoding: "utf8" },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown.jsonl");
    expect(bad.stderr).toContain("unknown task no-such-task");
  });
});
