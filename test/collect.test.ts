import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgressDisplay } from "../src/collect/progress.js";
import { collect } from "../src/collect/run.js";
import { readTrajectories } from "../src/trajectories/read.js";
import {
  callMessage,
  type ScriptedServer,
  startScriptedServer,
  toolCall,
} from "./doubles/scripted-openai-server.js";
import { ScriptedProvider, turn } from "./doubles/scripted-provider.js";
import { CLI, sharedData, tempDir } from "./helpers/paths.js";

let server: ScriptedServer;
let tasksFile: string;

beforeAll(async () => {
  // one bash command, then finish; each reply a little slow so that a kill lands mid-run
  server = await startScriptedServer((body) => {
    const messages = body.messages as { role: string }[];
    const reply =
      messages.at(-1)?.role === "tool"
        ? callMessage(toolCall("finish", { message: "done" }))
        : callMessage(
            toolCall("execute_bash", { command: "python3 main.py | tail -1; echo $RANDOM > /dev/null" }),
          );
    return { delayMs: 150, message: reply };
  });
  const dir = tempDir();
  tasksFile = join(dir, "tasks.jsonl");
  const lines = readFileSync(sharedData("humanevalfix-python.jsonl"), "utf8").split("\n").slice(0, 2);
  writeFileSync(tasksFile, `${lines.join("\n")}\n`);
});
afterAll(async () => {
  await server.close();
});

async function counts(runDir: string): Promise<Map<string, number[]>> {
  const seen = new Map<string, number[]>();
  for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"), {
    tolerateTruncatedTail: true,
  })) {
    const list = seen.get(t.task_id) ?? [];
    list.push(t.provenance.sample_index as number);
    seen.set(t.task_id, list);
  }
  return seen;
}

function runCli(runDir: string, samples: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      CLI,
      "collect",
      "--tasks",
      tasksFile,
      "--model",
      "openai:scripted",
      "--base-url",
      server.baseUrl,
      "--samples",
      String(samples),
      "--concurrency",
      "2",
      "--temperature",
      "0.5",
      "-o",
      runDir,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
}

function lineCount(path: string): number {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).length : 0;
}

describe("sealign collect", () => {
  it("killed mid-run and restarted, ends with exactly N trajectories per task", async () => {
    const runDir = tempDir("sealign-collect-");
    const file = join(runDir, "trajectories.jsonl");
    const first = runCli(runDir, 4);
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (lineCount(file) >= 2) {
          clearInterval(poll);
          first.kill("SIGKILL");
          resolve();
        }
      }, 20);
      first.on("exit", () => {
        clearInterval(poll);
        reject(new Error("collect finished before it could be killed"));
      });
    });
    await new Promise((r) => first.once("exit", r));
    const partial = lineCount(file);
    expect(partial).toBeLessThan(8);
    // a write cut off by the kill: a partial last line
    appendFileSync(file, '{"schema_version":"sealign.traj');
    const second = runCli(runDir, 4);
    let stderr = "";
    second.stderr?.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise((r) => second.once("exit", r));
    expect(code, stderr).toBe(0);
    const seen = await counts(runDir);
    expect([...seen.keys()].sort()).toEqual(["humanevalfix-python-0", "humanevalfix-python-1"]);
    for (const samples of seen.values()) expect(samples.sort()).toEqual([0, 1, 2, 3]);
    expect(lineCount(file)).toBe(8);
    const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      model: "openai:scripted",
      samples: 4,
      seed: 0,
      sampling: { temperature: 0.5 },
    });
    expect(manifest.tasks_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.resumes).toHaveLength(1);
    expect(manifest.resumes[0].done).toBe(partial);
    expect(stderr).toMatch(/collect: \d+ episodes run, \d+ already done, 8 in all/);
    // every trajectory is complete and labelled with the run
    for await (const t of readTrajectories(file)) {
      expect(t.provenance.run_id).toBe(manifest.run_id);
      expect(t.outcome.exit_reason).toBe("finished");
    }
  }, 120_000);

  it("refuses to resume a run directory with other settings, and extends N when asked", async () => {
    const runDir = tempDir("sealign-collect-");
    const base = {
      tasksFile,
      model: "openai:scripted",
      providerOptions: { baseUrl: server.baseUrl },
      runDir,
      progress: null,
    };
    const one = await collect({ ...base, samples: 1, sampling: { temperature: 0 } });
    expect(one).toMatchObject({ ran: 2, alreadyDone: 0, total: 2 });
    await expect(collect({ ...base, samples: 1, sampling: { temperature: 1 } })).rejects.toThrow(
      /different run \(sampling/,
    );
    const more = await collect({ ...base, samples: 2, sampling: { temperature: 0 } });
    expect(more).toMatchObject({ ran: 2, alreadyDone: 2, total: 4 });
    const seeds = new Set<number>();
    for await (const t of readTrajectories(join(runDir, "trajectories.jsonl")))
      seeds.add(t.provenance.sampling.seed as number);
    expect(seeds.size).toBe(4);
  }, 60_000);

  it("reports bad input with exit code 2", async () => {
    const runDir = tempDir("sealign-collect-");
    const bad = spawn(
      process.execPath,
      [CLI, "collect", "--tasks", tasksFile, "--model", "nosuch:x", "-o", runDir],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    bad.stderr?.on("data", (d) => {
      stderr += d;
    });
    expect(await new Promise((r) => bad.once("exit", r))).toBe(2);
    expect(stderr).toMatch(/unknown model provider "nosuch"/);
  });

  it("prints periodic plain lines when not on a TTY", () => {
    const out: string[] = [];
    const display = new ProgressDisplay({
      stream: { write: (t: string) => out.push(t) > 0, isTTY: false },
      intervalMs: 60_000,
    });
    display.update({
      total: 10,
      done: 3,
      running: 2,
      resolved: null,
      tokens: 1234,
      errors: 1,
      toolErrors: 2,
      resumed: 0,
    });
    display.stop();
    expect(out).toEqual(["collect 3/10 (30%) | running 2 | tokens 1234 | errors 1 | tool errors 2 | 0s\n"]);
  });

  it("on a TTY redraws one line and clears to its end (a shorter line leaves no tail)", () => {
    const out: string[] = [];
    const display = new ProgressDisplay({
      stream: { write: (t: string) => out.push(t) > 0, isTTY: true },
      intervalMs: 60_000,
    });
    const state = {
      total: 10,
      done: 3,
      running: 2,
      resolved: null,
      tokens: 123456,
      errors: 0,
      toolErrors: 0,
      resumed: 0,
    };
    display.update(state);
    display.update({ ...state, tokens: 1 });
    display.stop();
    expect(out.length).toBeGreaterThan(0);
    for (const text of out) expect(text).toMatch(/^\r.*\x1b\[K\n?$/);
    expect(out.at(-1)!.endsWith("\x1b[K\n")).toBe(true);
  });
});

describe("sealign collect --validate", () => {
  it("validates each patch right away and counts resolved-so-far", async () => {
    const fixer = await startScriptedServer((body) => {
      const messages = body.messages as { role: string; content: string }[];
      const fixesTruncate = String(messages[1]?.content).includes("main.py") && messages.length === 2;
      if (fixesTruncate) {
        return {
          message: callMessage(
            toolCall("str_replace_editor", {
              command: "str_replace",
              path: "/workspace/main.py",
              old_str: "return number % 1.0 + 1.0",
              new_str: "return number % 1.0",
            }),
          ),
        };
      }
      return { message: callMessage(toolCall("finish", { message: "done" })) };
    });
    try {
      const runDir = tempDir("sealign-collect-");
      const dir = tempDir();
      const file = join(dir, "tasks.jsonl");
      writeFileSync(
        file,
        `${readFileSync(sharedData("humanevalfix-python.jsonl"), "utf8").split("\n").slice(0, 3).join("\n")}\n`,
      );
      const lines: string[] = [];
      const summary = await collect({
        tasksFile: file,
        model: "openai:scripted",
        providerOptions: { baseUrl: fixer.baseUrl },
        samples: 1,
        runDir,
        validate: { timeoutMs: 30_000 },
        progress: new ProgressDisplay({
          stream: { write: (t: string) => lines.push(t) > 0, isTTY: false },
          intervalMs: 60_000,
        }),
      });
      expect(summary.ran).toBe(3);
      const byTask = new Map<string, { resolved: boolean | null; exists: boolean | undefined }>();
      for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"))) {
        byTask.set(t.task_id, { resolved: t.outcome.resolved, exists: t.outcome.report?.patch_exists });
      }
      // only truncate_number's str_replace matches; the others end with an empty patch
      expect(byTask.get("humanevalfix-python-2")).toEqual({ resolved: true, exists: true });
      expect(byTask.get("humanevalfix-python-0")).toEqual({ resolved: false, exists: false });
      expect(lines.at(-1)).toMatch(/resolved 1/);
    } finally {
      await fixer.close();
    }
  }, 90_000);
});

describe("sealign collect CLI: validation flag and clean stop", () => {
  it("--validate records a report on every trajectory, and ends with the next command", async () => {
    const runDir = tempDir("sealign-collect-");
    const child = spawn(
      process.execPath,
      [
        CLI,
        "collect",
        "--tasks",
        tasksFile,
        "--limit",
        "1",
        "--model",
        "openai:scripted",
        "--base-url",
        server.baseUrl,
        "--validate",
        "-o",
        runDir,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    expect(await new Promise((r) => child.once("exit", r)), stderr).toBe(0);
    const all = [];
    for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"))) all.push(t);
    expect(all).toHaveLength(1);
    // the scripted model only runs the file and finishes: no patch, not resolved
    expect(all[0]?.outcome).toMatchObject({ resolved: false, report: { patch_exists: false } });
    // it ends with where the run went and the next stage's command (validated already: tree)
    expect(stderr).toContain(`wrote ${join(runDir, "trajectories.jsonl")}`);
    expect(stderr).toMatch(/next: sealign tree .*trajectories\.jsonl -o .*trees/);
  }, 60_000);

  it("stops on SIGINT without waiting for a long command, and keeps nothing half-done", async () => {
    const slow = await startScriptedServer((body) => {
      const messages = body.messages as { role: string }[];
      return messages.at(-1)?.role === "tool"
        ? { message: callMessage(toolCall("finish", { message: "done" })) }
        : { message: callMessage(toolCall("execute_bash", { command: "sleep 60", timeout: 120 })) };
    });
    try {
      const runDir = tempDir("sealign-collect-");
      const child = spawn(
        process.execPath,
        [
          CLI,
          "collect",
          "--tasks",
          tasksFile,
          "--limit",
          "1",
          "--model",
          "openai:scripted",
          "--base-url",
          slow.baseUrl,
          "-o",
          runDir,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr?.on("data", (d) => {
        stderr += d;
      });
      while (slow.requests.length === 0) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      const stoppedAt = Date.now();
      child.kill("SIGINT");
      expect(await new Promise((r) => child.once("exit", r)), stderr).toBe(130);
      expect(Date.now() - stoppedAt).toBeLessThan(15_000);
      expect(stderr).toMatch(/stopping; run the same command again to resume/);
      expect(lineCount(join(runDir, "trajectories.jsonl"))).toBe(0);
      expect(existsSync(join(runDir, "work"))).toBe(false);
    } finally {
      await slow.close();
    }
  }, 60_000);
});

describe("collect on repository tasks", () => {
  it("checks each task out of its local clone at base_commit (--repos), and refuses tasks without one", async () => {
    const repos = tempDir("sealign-repos-");
    const clone = join(repos, "acme__widget");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        cwd: clone,
        encoding: "utf8",
      }).trim();
    mkdirSync(clone);
    git("init", "-q", "-b", "main");
    writeFileSync(join(clone, "widget.py"), "VERSION = 1\n");
    git("add", "-A");
    git("commit", "-q", "-m", "v1");
    const base = git("rev-parse", "HEAD");
    writeFileSync(join(clone, "widget.py"), "VERSION = 2\n");
    git("commit", "-q", "-am", "v2");
    const dir = tempDir();
    const file = join(dir, "tasks.json");
    writeFileSync(
      file,
      JSON.stringify([
        { instance_id: "acme__widget-1", repo: "acme/widget", base_commit: base, problem_statement: "bump" },
      ]),
    );
    const provider = new ScriptedProvider([
      turn("str_replace_editor", {
        command: "str_replace",
        path: "/workspace/widget.py",
        old_str: "VERSION = 1",
        new_str: "VERSION = 3",
      }),
      turn("finish", { message: "done" }),
    ]);
    const runDir = tempDir("sealign-collect-");
    await collect({ tasksFile: file, model: provider, samples: 1, runDir, reposDir: repos, progress: null });
    const all = [];
    for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"))) all.push(t);
    expect(all[0]?.patch).toContain("-VERSION = 1\n+VERSION = 3");
    expect(all[0]?.metadata.episode).toMatchObject({ base_commit: base });
    await expect(
      // --runtime local: without it a repository task with no clone goes to docker when a daemon answers
      collect({
        tasksFile: file,
        model: provider,
        samples: 1,
        runDir: tempDir(),
        progress: null,
        runtime: "local",
      }),
    ).rejects.toThrow(/no local clone.*--repos/);
  }, 60_000);
});
