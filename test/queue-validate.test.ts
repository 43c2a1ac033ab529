import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../src/schema/task.js";
import type { ValidateJobData } from "../src/validate/job.js";
import { Progress } from "../src/validate/progress.js";
import { verdictOfOutcome } from "../src/validate/queued.js";
import { readReport, validateRun } from "../src/validate/run.js";
import { CLI, tempDir } from "./helpers/paths.js";
import { TestRedis } from "./helpers/redis.js";
import {
  HAND_FIXES,
  humanEvalFixTasks,
  prediction,
  replacementPatch,
  touchPatch,
  writeAllTasks,
} from "./validate-fixtures.js";

let redis: TestRedis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await redis.close();
});

function start(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let text = "";
  child.stdout?.on("data", (d) => {
    text += d;
  });
  child.stderr?.on("data", (d) => {
    text += d;
  });
  return { child, output: () => text, exit: new Promise((r) => child.once("exit", (code) => r(code))) };
}

describe("validate --queue", () => {
  it("gives the same verdicts as a local run", async () => {
    const dir = tempDir("sealign-queue-validate-");
    const tasks = new Map<string, Task>(humanEvalFixTasks("python").map((t) => [t.instance_id, t]));
    const tasksFile = writeAllTasks(dir);
    const lines: string[] = [];
    for (const [id, from, to] of HAND_FIXES.slice(0, 3))
      lines.push(prediction(id, await replacementPatch(tasks.get(id)!, from, to)));
    lines.push(prediction("humanevalfix-python-8", touchPatch(tasks.get("humanevalfix-python-8")!)));
    lines.push(prediction("humanevalfix-python-9", touchPatch(tasks.get("humanevalfix-python-9")!)));
    lines.push(prediction("humanevalfix-python-5", ""));
    lines.push(
      prediction(
        "humanevalfix-python-7",
        "diff --git a/main.py b/main.py\n--- a/main.py\n+++ b/main.py\n@@ -1,3 +1,3 @@\n nothing\n-like\n+this\n here\n",
      ),
    );
    const predictions = join(dir, "predictions.jsonl");
    writeFileSync(predictions, `${lines.join("\n")}\n`);

    const localOut = join(dir, "local");
    await validateRun({
      input: predictions,
      tasks: tasksFile,
      out: localOut,
      cacheDir: null,
      progress: null,
      workers: 2,
    });

    const workers = [0, 1].map(() => start(["worker", "--queue", redis.url, "--quiet"]));
    const queuedOut = join(dir, "queued");
    const run = start([
      "validate",
      predictions,
      "--tasks",
      tasksFile,
      "-o",
      queuedOut,
      "--no-cache",
      "--queue",
      redis.url,
      "-q",
    ]);
    expect(await run.exit, run.output()).toBe(0);

    const local = await readReport(localOut);
    const queued = await readReport(queuedOut);
    const verdict = (r: (typeof local)[string]) => ({
      resolved: r.resolved,
      applied: r.patch_successfully_applied,
      exists: r.patch_exists,
      tests: r.tests_status,
      error: r.error,
    });
    expect(Object.keys(queued).sort()).toEqual(Object.keys(local).sort());
    for (const id of Object.keys(local)) expect(verdict(queued[id]!), id).toEqual(verdict(local[id]!));
    expect(Object.values(queued).filter((r) => r.resolved)).toHaveLength(3);
    for (const w of workers) w.child.kill("SIGTERM");
    for (const w of workers) expect(await w.exit).toBe(0);
  }, 180_000);

  it("shows the queue's workers and this run's running jobs on the progress line", () => {
    const counts = {
      total: 4,
      done: 1,
      resolved: 1,
      cached: 0,
      empty: 0,
      timedOut: 0,
      errors: 0,
      testsRun: 1,
    };
    const progress = new Progress(counts, null);
    expect(progress.line()).not.toMatch(/workers/);
    progress.queue = { workers: 3, running: 2 };
    expect(progress.line()).toMatch(/, workers 3, running 2$/);
  });

  it("records a failed or garbled validation job as a harness error, not a verdict", () => {
    const data = {
      runId: "validate-x",
      task: humanEvalFixTasks("python")[0]!,
      itemId: "humanevalfix-python-0",
      patch: "diff",
      timeoutMs: 1000,
      parser: "auto",
    } as ValidateJobData;
    const failed = verdictOfOutcome(data, { ok: false, reason: "worker died", attempts: 3 });
    expect(failed.report).toMatchObject({ resolved: false, patch_exists: true });
    expect(failed.report.error).toBe("queue: the job failed after 3 attempt(s): worker died");
    const garbled = verdictOfOutcome(data, {
      ok: true,
      value: { report: { resolved: "yes" }, log: 1 } as never,
      attempts: 1,
      worker: "w",
    });
    expect(garbled.report.error).toBe("queue: the worker returned no valid verdict");
  });
});
