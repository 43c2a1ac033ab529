import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Episode } from "../src/agent/episode.js";
import { ReplayDiverged } from "../src/agent/replay.js";
import { loadBuiltinTasks } from "../src/builtin/load.js";
import { collect } from "../src/collect/run.js";
import { writeJsonlAtomic } from "../src/io/atomic.js";
import { analyseTask } from "../src/pairs/analyse.js";
import { LocalRuntime } from "../src/runtime/local.js";
import { modelTurns } from "../src/schema/steps.js";
import type { Task } from "../src/schema/task.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { branchReplay } from "../src/search/branch.js";
import type { SearchRecord } from "../src/search/log.js";
import { searchTask, type UnitOutcome } from "../src/search/task-search.js";
import { SimProvider } from "../src/sim/provider.js";
import { readTrajectories } from "../src/trajectories/read.js";
import { trajectory } from "./fixtures/tree/build.js";
import { CLI, tempDir } from "./helpers/paths.js";

// The tree search (docs/search.md) on the built-in tasks with the simulated teacher: replay of a
// recorded prefix, divergence, merging of branches, resume after kill -9, bad flags.

let tasks: Task[];
let tasksFile: string;

beforeAll(async () => {
  // three tasks of each language's first ones: enough for branches, small enough for two cores
  tasks = (await loadBuiltinTasks()).slice(0, 3);
  tasksFile = join(tempDir(), "tasks.jsonl");
  await writeJsonlAtomic(tasksFile, tasks);
});

async function readAll(runDir: string): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"), { tolerateTruncatedTail: true }))
    out.push(t);
  return out;
}

function searchLog(runDir: string): SearchRecord[] {
  return readFileSync(join(runDir, "search.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SearchRecord);
}

/** What a run decided and produced, without its run id: the same seed must give the same set. */
function signature(trajectories: Trajectory[]): string[] {
  const sampleOf = new Map(trajectories.map((t) => [t.id, t.provenance.sample_index]));
  return trajectories
    .map((t) =>
      JSON.stringify([
        t.task_id,
        t.provenance.sample_index,
        t.provenance.branch
          ? [sampleOf.get(t.provenance.branch.trajectory_id), t.provenance.branch.turn]
          : null,
        t.outcome.resolved,
        t.messages.flatMap((m) =>
          m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.function.arguments) : [],
        ),
      ]),
    )
    .sort();
}

/** One episode in a fresh workspace of `task`, optionally replaying a prefix first. */
async function episode(
  task: Task,
  seed: number,
  replay?: ReturnType<typeof branchReplay>,
): Promise<Trajectory> {
  const runtime = new LocalRuntime({ root: tempDir() });
  const base = await runtime.prepare(task);
  const env = await runtime.open(base, { name: task.instance_id });
  try {
    const { trajectory } = await new Episode({
      task,
      provider: new SimProvider(),
      env,
      seed,
      sampleIndex: replay ? 1 : 0,
      runId: "search-test",
      ...(replay ? { replay } : {}),
    }).run();
    return trajectory;
  } finally {
    await env.close();
    await runtime.release(base);
    await runtime.close();
  }
}

describe("replay of a recorded prefix", () => {
  it("reproduces the prefix exactly in a fresh workspace, then the model continues", async () => {
    const task = tasks[0] as Task;
    const source = await episode(task, 11);
    const turns = source.messages.filter((m) => m.role === "assistant").length;
    expect(turns).toBeGreaterThan(2);
    const at = turns - 1;
    const replay = branchReplay(source, at, 1, [source]);
    const branch = await episode(task, 12, replay);
    // the prefix is the recorded one, message for message (so the tree merges it unchanged)
    expect(branch.messages.slice(0, replay.messages.length)).toEqual(
      source.messages.slice(0, replay.messages.length),
    );
    expect(branch.provenance.branch).toEqual({ trajectory_id: source.id, turn: at, round: 1 });
    // replayed turns cost nothing: only the turns after the branch point are model turns
    const branchTurns = branch.messages.filter((m) => m.role === "assistant").length;
    expect(modelTurns(branch)).toBe(branchTurns - at);
    expect(modelTurns(source)).toBe(turns);
    // the simulator's records of the replayed turns travel with the prefix
    expect((branch.metadata as { requests: unknown[] }).requests.slice(0, at)).toEqual(
      (source.metadata as { requests: unknown[] }).requests.slice(0, at),
    );
  });

  it("stops at an observation that differs from the recorded one, saying where", async () => {
    const task = tasks[0] as Task;
    const source = await episode(task, 21);
    const replay = branchReplay(source, 2, 1, [source]);
    // the recorded first observation no longer matches what the command prints
    const tool = replay.messages.find((m) => m.role === "tool");
    if (tool?.role !== "tool") throw new Error("no tool message in the prefix");
    tool.content = `${typeof tool.content === "string" ? tool.content : ""}\n./a-file-that-is-not-there.py`;
    const error = await episode(task, 22, replay).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayDiverged);
    expect((error as ReplayDiverged).divergence).toMatchObject({ turn: 0, call: 0, reason: "observation" });
    expect((error as ReplayDiverged).divergence.expected).toContain("a-file-that-is-not-there");
  });
});

describe("search rounds", () => {
  it("counts a diverged branch, records it, and never chooses its node again", async () => {
    const task = tasks[0] as Task;
    const roots = [await episode(task, 31), await episode(task, 32)].map((t, i) => ({
      ...t,
      id: `root-${i}`,
      outcome: { ...t.outcome, resolved: i === 0 },
      provenance: { ...t.provenance, sample_index: i },
    }));
    const log: SearchRecord[] = [];
    const nodes: string[] = [];
    const result = await searchTask({
      task,
      samples: 4,
      budget: 1000,
      seed: 0,
      existing: roots,
      logged: [],
      log: async (r) => {
        log.push(r);
      },
      // every branch diverges: the search must move on to other nodes and end
      run: async (unit): Promise<UnitOutcome> => {
        // a new episode from the root (nothing to replay): one more like the failed root
        if (!unit.replay) {
          const again = roots[1] as Trajectory;
          return {
            kind: "trajectory",
            trajectory: {
              ...again,
              id: `again-${unit.sample}`,
              provenance: { ...again.provenance, sample_index: unit.sample },
            },
          };
        }
        nodes.push(unit.decision.node as string);
        return {
          kind: "diverged",
          divergence: { turn: 0, call: 0, reason: "observation", expected: "a", got: "b" },
        };
      },
    });
    expect(result.divergences).toBeGreaterThan(0);
    expect(result.divergences).toBe(log.filter((r) => r.type === "diverged").length);
    expect(new Set(nodes).size).toBe(nodes.length);
    // no node is left but the prompt's (new root episodes), until the budget ends the search
    expect(log.at(-1)).toMatchObject({
      type: "end",
      divergences: result.divergences,
      reason: "budget",
    });
  });
});

describe("search when the filters leave no node", () => {
  it("branches from isolated episodes (first actions spelled differently) instead of stopping", async () => {
    const task = tasks[0] as Task;
    const root = (id: string, first: string, resolved: boolean, sample: number) => {
      const t = trajectory(task.instance_id, id, [first, "edit", "test"], resolved);
      return { ...t, provenance: { ...t.provenance, sample_index: sample, sampling: { seed: sample } } };
    };
    // both are isolated (no other episode shares the first action): the pairs stage's tree is empty
    const roots = [root("r0", "ls -R", true, 0), root("r1", "find . -type f", false, 1)];
    const log: SearchRecord[] = [];
    const result = await searchTask({
      task,
      samples: 2,
      budget: 9,
      seed: 0,
      existing: roots,
      logged: [],
      log: async (r) => {
        log.push(r);
      },
      run: async (unit): Promise<UnitOutcome> => {
        const t = root(`b${unit.sample}`, unit.replay ? "find . -type f" : "ls -R", true, unit.sample);
        return { kind: "trajectory", trajectory: t };
      },
    });
    expect(result.rounds).toBeGreaterThan(0);
    expect(log.find((r) => r.type === "decision" && r.round === 1)).toBeDefined();
    expect(log.at(-1)).toMatchObject({ type: "end", reason: "budget" });
  });
});

describe("collect --strategy tree", () => {
  it("merges each branch into its task's tree at the chosen node, within the budget", async () => {
    const runDir = join(tempDir(), "run");
    const summary = await collect({
      tasksFile,
      model: "sim",
      samples: 3,
      strategy: "tree",
      runDir,
      seed: 5,
      validate: { timeoutMs: 120_000 },
      progress: null,
    });
    const all = await readAll(runDir);
    const log = searchLog(runDir);
    expect(summary.search?.turns).toBe(all.reduce((n, t) => n + modelTurns(t), 0));
    const branches = all.filter((t) => t.provenance.branch);
    expect(branches.length).toBeGreaterThan(0);
    for (const task of tasks) {
      const mine = all.filter((t) => t.task_id === task.instance_id);
      const budget = log.find((r) => r.type === "budget" && r.task_id === task.instance_id);
      const end = log.find((r) => r.type === "end" && r.task_id === task.instance_id);
      expect(budget).toBeDefined();
      expect(end).toMatchObject({ turns: mine.reduce((n, t) => n + modelTurns(t), 0) });
      // every trajectory in the tree (the search's own tree drops duplicates; node ids are path hashes, the same here)
      const { tree } = analyseTask(task.instance_id, mine, {
        criticalPairs: false,
        filters: { dedupe: false, stuck: false, isolated: false },
      });
      tree.materialise();
      const byId = new Map([...tree.nodes()].map((n) => [n.id, n]));
      for (const t of mine.filter((x) => x.provenance.branch)) {
        const decision = log.find(
          (r) => r.type === "decision" && r.task_id === t.task_id && r.sample === t.provenance.sample_index,
        );
        if (decision?.type !== "decision" || decision.node === null)
          throw new Error("branch without its decision");
        const node = byId.get(decision.node);
        // the branch passes through the node it was started from, at the depth it replayed to
        expect(node?.depth).toBe(t.provenance.branch?.turn);
        expect(node?.trajectories.some((v) => v.id === t.id)).toBe(true);
        expect(t.provenance.branch?.trajectory_id).toBe(decision.from);
      }
    }
  });

  it("resumes after kill -9 with the same final set as an uninterrupted run", async () => {
    const args = (dir: string) => [
      CLI,
      "collect",
      "--tasks",
      tasksFile,
      "--model",
      "sim",
      "--samples",
      "3",
      "--strategy",
      "tree",
      "--seed",
      "7",
      "--quiet",
      "-o",
      dir,
    ];
    const whole = join(tempDir(), "whole");
    expect(spawnSync(process.execPath, args(whole), { encoding: "utf8" }).status).toBe(0);

    const killed = join(tempDir(), "killed");
    const child = spawn(process.execPath, args(killed), { stdio: "ignore" });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const file = join(killed, "trajectories.jsonl");
        // past the initial episodes of the first task: kill in the middle of the rounds
        if (existsSync(file) && readFileSync(file, "utf8").split("\n").length > 4) {
          clearInterval(timer);
          child.kill("SIGKILL");
        }
      }, 50);
      child.on("exit", (code, signal) => {
        clearInterval(timer);
        if (signal === "SIGKILL") resolve();
        else reject(new Error(`collect ended (${code}) before it could be killed`));
      });
    });
    const resumed = spawnSync(process.execPath, args(killed), { encoding: "utf8" });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(signature(await readAll(killed))).toEqual(signature(await readAll(whole)));
    const decisions = (dir: string) =>
      searchLog(dir)
        .filter((r) => r.type === "decision")
        .map((r) => JSON.stringify({ ...r, from: r.type === "decision" && r.from !== null }))
        .sort();
    expect(decisions(killed)).toEqual(decisions(whole));
  }, 240_000);

  it("refuses bad flags and a resume with another strategy (exit 2, naming the flag)", async () => {
    const run = (...extra: string[]) =>
      spawnSync(
        process.execPath,
        [CLI, "collect", "--tasks", tasksFile, "--model", "sim", "--quiet", ...extra],
        {
          encoding: "utf8",
        },
      );
    const dir = tempDir();
    const bad = [
      [["--strategy", "mcts", "-o", join(dir, "a")], "--strategy"],
      [["--budget", "10", "-o", join(dir, "b")], "--budget"],
      [["--strategy", "tree", "--budget", "0", "-o", join(dir, "c")], "--budget"],
      [["--strategy", "tree", "--budget", "2.5", "-o", join(dir, "d")], "--budget"],
      [["--strategy", "tree", "--queue", "redis://127.0.0.1:1", "-o", join(dir, "e")], "--queue"],
    ] as const;
    for (const [extra, flag] of bad) {
      const result = run(...extra);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toContain(flag);
    }
    // the demo takes the same two flags, checked before any work
    for (const [extra, flag] of [
      [["--strategy", "mcts"], "--strategy"],
      [["--budget", "9"], "--budget"],
      [["--strategy", "tree", "--budget", "0"], "--budget"],
    ] as const) {
      const demo = spawnSync(process.execPath, [CLI, "demo", "-o", join(dir, "demo"), ...extra], {
        encoding: "utf8",
      });
      expect(demo.status, demo.stderr).toBe(2);
      expect(demo.stderr).toContain(flag);
      expect(existsSync(join(dir, "demo", "run"))).toBe(false);
    }
    const runDir = join(dir, "run");
    expect(run("--limit", "1", "-o", runDir).status).toBe(0);
    const again = run("--limit", "1", "--strategy", "tree", "-o", runDir);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("--strategy");
  }, 120_000);
});
