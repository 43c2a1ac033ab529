import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuiltinTasks } from "../src/builtin/load.js";
import { collect } from "../src/collect/run.js";
import { InputError } from "../src/errors.js";
import { writeJsonlAtomic } from "../src/io/atomic.js";
import { createProvider } from "../src/providers/registry.js";
import { ModelError } from "../src/providers/types.js";
import { bwrapAvailable } from "../src/sandbox/bwrap.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { simGroundTruth } from "../src/sim/ground-truth.js";
import { parseUnifiedDiff } from "../src/sim/patch.js";
import { DEFAULT_SIM_CONFIG } from "../src/sim/policy.js";
import { parseSimSpec, SimProvider } from "../src/sim/provider.js";
import { readTrajectories } from "../src/trajectories/read.js";
import { validateRun } from "../src/validate/run.js";
import { tempDir } from "./helpers/paths.js";

const unsafeNoSandbox = !bwrapAvailable();

async function runSim(spec: string, only: string[], samples: number) {
  const dir = tempDir();
  const tasksFile = join(dir, "tasks.jsonl");
  const tasks = await loadBuiltinTasks({ only });
  await writeJsonlAtomic(tasksFile, tasks);
  const runDir = join(dir, "run");
  await collect({
    tasksFile,
    model: spec,
    samples,
    concurrency: 2,
    runDir,
    progress: null,
    episode: { unsafeNoSandbox },
  });
  const out = join(dir, "validated");
  await validateRun({
    input: join(runDir, "trajectories.jsonl"),
    tasks: tasksFile,
    out,
    cacheDir: null,
    progress: null,
    unsafeNoSandbox,
  });
  const trajectories: Trajectory[] = [];
  for await (const t of readTrajectories(join(out, "trajectories.jsonl"))) trajectories.push(t);
  return trajectories;
}

describe("simulated teacher", () => {
  it("parses gold patches into editor edits", () => {
    const edits = parseUnifiedDiff(
      "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
    );
    expect(edits).toEqual([
      { path: "x.py", created: false, deleted: false, hunks: [{ oldText: "a\nb\nc", newText: "a\nB\nc" }] },
    ]);
  });

  it("reads its settings from the SPEC and rejects bad ones", async () => {
    expect(parseSimSpec("wrong_place=1,recover=0")).toMatchObject({
      wrongPlace: 1,
      recover: 0,
      giveUp: DEFAULT_SIM_CONFIG.giveUp,
    });
    expect(() => parseSimSpec("wrong_place=2")).toThrow(InputError);
    expect(() => parseSimSpec("colour=0.5")).toThrow(/unknown simulator setting/);
    const provider = await createProvider("sim:give_up=0");
    expect(provider.name).toBe("sim:give_up=0");
  });

  it("refuses a conversation that is not its own and a task without a gold patch", async () => {
    const [task] = await loadBuiltinTasks({ only: ["py-median-even"] });
    const sim = new SimProvider();
    const context = { task: task!, episodeId: "e", sampleIndex: 0, seed: 1, turn: 1 };
    const foreign = {
      messages: [
        { role: "user" as const, content: "fix it" },
        {
          role: "assistant" as const,
          content: "",
          tool_calls: [
            {
              id: "1",
              type: "function" as const,
              function: { name: "execute_bash", arguments: '{"command":"ls"}' },
            },
          ],
        },
        { role: "tool" as const, tool_call_id: "1", content: "x" },
      ],
      tools: [],
      sampling: {},
    };
    await expect(sim.complete(foreign, context)).rejects.toThrow(ModelError);
    await expect(
      sim.complete(
        { messages: [{ role: "user", content: "x" }], tools: [], sampling: {} },
        { ...context, task: { ...task!, patch: "" } },
      ),
    ).rejects.toThrow(/no gold patch/);
  });

  it("a mistake-free simulator resolves every task through the real tools, sandbox and validation", async () => {
    const trajectories = await runSim(
      "sim:wrong_place=0,give_up=0,repeat=0,finish_early=0",
      ["py-median-even", "js-chunk-remainder", "py-urljoin-regression"],
      1,
    );
    expect(trajectories).toHaveLength(3);
    for (const t of trajectories) {
      expect(t.outcome.exit_reason).toBe("finished");
      expect(t.outcome.resolved, t.task_id).toBe(true);
      const truth = simGroundTruth(t)!;
      expect(truth.expectedResolved).toBe(true);
      expect(truth.fatalTurn).toBeNull();
      expect(t.messages.some((m) => m.role === "tool" && /exit code/.test(String(m.content)))).toBe(true);
    }
  }, 120_000);

  it("records which decision doomed each failed episode, and its expectations match validation", async () => {
    const trajectories = await runSim(
      "sim:wrong_place=0.5,give_up=0.15,repeat=0.15,finish_early=0.3,recover=0.5",
      ["py-pager", "js-date-month"],
      6,
    );
    expect(trajectories).toHaveLength(12);
    let failed = 0;
    for (const t of trajectories) {
      const truth = simGroundTruth(t)!;
      expect(truth).not.toBeNull();
      if (t.outcome.exit_reason === "stuck") {
        expect(t.outcome.resolved).toBe(false);
        expect(truth.decisions.get(truth.fatalTurn!)?.name).toBe("repeat");
        failed++;
        continue;
      }
      expect(t.outcome.exit_reason).toBe("finished");
      expect(t.outcome.resolved, `${t.id}: sim expected ${truth.expectedResolved}`).toBe(
        truth.expectedResolved,
      );
      if (!t.outcome.resolved) {
        failed++;
        expect(truth.fatalTurn).not.toBeNull();
        expect(truth.mistakeTurns).toContain(truth.fatalTurn);
        expect(truth.decisions.get(truth.fatalTurn!)?.mistake).toBe(true);
      } else expect(truth.fatalTurn).toBeNull();
    }
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(12);
  }, 180_000);
});
