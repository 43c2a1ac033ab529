import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CollectJobData } from "../src/collect/job.js";
import { trajectoryOfOutcome } from "../src/collect/queued.js";
import { collect } from "../src/collect/run.js";
import { loadPromptTemplates } from "../src/prompts/templates.js";
import { connectionOptions, jobIdOf, parseQueueUrl } from "../src/queue/connection.js";
import { readTrajectories } from "../src/trajectories/read.js";
import {
  callMessage,
  type ScriptedServer,
  startScriptedServer,
  toolCall,
} from "./doubles/scripted-openai-server.js";
import { CLI, sharedData, tempDir } from "./helpers/paths.js";
import { TestRedis } from "./helpers/redis.js";

// Faults injected into a queued collection: kill -9 a worker mid-episode, restart Redis,
// kill -9 the coordinator and run it again, SIGTERM a worker mid-job. Short lock and stall
// intervals (2 s, 1 s) make BullMQ's recovery happen within the test.

let server: ScriptedServer;
let redis: TestRedis;
let tasksFile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // one bash command, then finish; each reply a little slow so that kills land mid-episode
  server = await startScriptedServer((body) => {
    const messages = body.messages as { role: string }[];
    const reply =
      messages.at(-1)?.role === "tool"
        ? callMessage(toolCall("finish", { message: "done" }))
        : callMessage(toolCall("execute_bash", { command: "python3 main.py | tail -1" }));
    return { delayMs: 300, message: reply };
  });
  redis = await TestRedis.start({ persistent: true });
  const dir = tempDir();
  tasksFile = join(dir, "tasks.jsonl");
  const lines = readFileSync(sharedData("humanevalfix-python.jsonl"), "utf8").split("\n").slice(0, 2);
  writeFileSync(tasksFile, `${lines.join("\n")}\n`);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await server.close();
  await redis.close();
});

interface Proc {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let text = "";
  child.stdout?.on("data", (d) => {
    text += d;
  });
  child.stderr?.on("data", (d) => {
    text += d;
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => text, exit };
}

function startWorker(url: string, extra: string[] = []): Proc {
  return start([
    "worker",
    "--queue",
    url,
    "--lock",
    "2",
    "--stalled-interval",
    "1",
    "--max-stalled",
    "5",
    "--drain-timeout",
    "30",
    ...extra,
  ]);
}

function coordinator(runDir: string, samples: number, extra: string[] = []): Proc {
  return start([
    "collect",
    "--tasks",
    tasksFile,
    "--model",
    "openai:scripted",
    "--base-url",
    server.baseUrl,
    "--samples",
    String(samples),
    "--temperature",
    "0.5",
    "--queue",
    redis.url,
    "-o",
    runDir,
    ...extra,
  ]);
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function lineCount(path: string): number {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).length : 0;
}

describe("collect --queue with sealign workers", () => {
  it("survives kill -9 of a worker and of the coordinator, a Redis restart and a SIGTERM drain: every (task, sample) exactly once", async () => {
    const runDir = tempDir("sealign-queue-");
    const file = join(runDir, "trajectories.jsonl");
    const workers = [startWorker(redis.url), startWorker(redis.url), startWorker(redis.url)];
    const [w1, w2] = workers as [Proc, Proc, Proc];
    const first = coordinator(runDir, 5);

    // kill -9 a worker in the middle of its first episode
    await waitFor("worker 1 to start a job", () => /collect \S+ started/.test(w1.output()));
    const killedJob = /collect (\S+) started/.exec(w1.output())?.[1] as string;
    w1.child.kill("SIGKILL");
    await w1.exit;

    // restart Redis (append-only file: the queue survives) while coordinator and workers run
    await waitFor("two results", () => lineCount(file) >= 2);
    await redis.restart();

    // kill -9 the coordinator, then run the same command again
    await waitFor("four results", () => lineCount(file) >= 4);
    first.child.kill("SIGKILL");
    await first.exit;
    expect(lineCount(file)).toBeLessThan(10);
    const second = coordinator(runDir, 5);

    // SIGTERM a worker while it runs a job: it finishes (or hands back) the job and exits 0
    const startedBefore = (w2.output().match(/ started /g) ?? []).length;
    await waitFor(
      "worker 2 to start another job",
      () => (w2.output().match(/ started /g) ?? []).length > startedBefore,
      30_000,
    ).catch(() => undefined);
    w2.child.kill("SIGTERM");
    expect(await w2.exit, w2.output()).toBe(0);
    expect(w2.output()).toMatch(/stopped \(\d+ done, 0 failed/);

    expect(await second.exit, second.output()).toBe(0);
    expect(second.output()).toMatch(/collect: \d+ episodes run, \d+ already done, 10 in all/);

    // exactly once: 2 tasks x 5 samples, no partial line, every line a valid trajectory
    const text = readFileSync(file, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const seen = new Map<string, number>();
    let jobOfKilled: { worker: string } | null = null;
    for await (const t of readTrajectories(file)) {
      const key = `${t.task_id}/${t.provenance.sample_index}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      expect(t.outcome.exit_reason).toBe("finished");
      const queue = t.metadata.queue as { job_id: string; worker: string; attempts: number };
      expect(queue.job_id).toBe(
        jobIdOf(t.provenance.run_id as string, t.task_id, t.provenance.sample_index as number),
      );
      if (queue.job_id === killedJob) jobOfKilled = queue;
    }
    expect(seen.size).toBe(10);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // the killed worker's episode was finished by another worker (stalled-job recovery)
    expect(jobOfKilled).not.toBeNull();
    expect(jobOfKilled?.worker).not.toBe(/^(\S+): waiting/m.exec(w1.output())?.[1]);

    // nothing of the run is left in Redis
    const queue = new Queue("sealign", { connection: connectionOptions(parseQueueUrl(redis.url)) });
    try {
      const counts = await queue.getJobCounts("wait", "active", "delayed", "completed", "failed");
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await queue.close();
    }
    for (const w of workers.slice(2)) w.child.kill("SIGTERM");
    for (const w of workers.slice(2)) expect(await w.exit).toBe(0);
  }, 240_000);

  it("re-enqueues the jobs a Redis without persistence lost in a restart: every (task, sample) exactly once", async () => {
    const volatile = await TestRedis.start({ persistent: false });
    try {
      const runDir = tempDir("sealign-queue-");
      const file = join(runDir, "trajectories.jsonl");
      const workers = [startWorker(volatile.url), startWorker(volatile.url)];
      const run = start([
        "collect",
        "--tasks",
        tasksFile,
        "--model",
        "openai:scripted",
        "--base-url",
        server.baseUrl,
        "--samples",
        "3",
        "--queue",
        volatile.url,
        "-o",
        runDir,
      ]);
      await waitFor("two results", () => lineCount(file) >= 2);
      await volatile.restart(); // every job, waiting or running, is gone
      expect(await run.exit, run.output()).toBe(0);
      expect(run.output()).toMatch(/job\(s\) were missing from Redis; enqueued again/);
      const seen = new Map<string, number>();
      for await (const t of readTrajectories(file)) {
        const key = `${t.task_id}/${t.provenance.sample_index}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      expect(seen.size).toBe(6);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      for (const w of workers) w.child.kill("SIGTERM");
      for (const w of workers) expect(await w.exit).toBe(0);
    } finally {
      await volatile.close();
    }
  }, 120_000);

  it("a worker stopped by SIGTERM hands back the episodes that outlast its drain time; another worker runs them", async () => {
    const slow = await startScriptedServer((body) => {
      const messages = body.messages as { role: string }[];
      const reply =
        messages.at(-1)?.role === "tool"
          ? callMessage(toolCall("finish", { message: "done" }))
          : callMessage(toolCall("execute_bash", { command: "sleep 8" }));
      return { message: reply };
    });
    try {
      const runDir = tempDir("sealign-queue-");
      const queueName = "sealign-handback";
      const first = startWorker(redis.url, [
        "--queue-name",
        queueName,
        "--drain-timeout",
        "1",
        "--concurrency",
        "2",
      ]);
      const run = start([
        "collect",
        "--tasks",
        tasksFile,
        "--model",
        "openai:scripted",
        "--base-url",
        slow.baseUrl,
        "--soft-timeout",
        "30",
        "--queue",
        redis.url,
        "--queue-name",
        queueName,
        "-o",
        runDir,
      ]);
      await waitFor("both episodes to start", () => (first.output().match(/ started /g) ?? []).length === 2);
      await waitFor("the sleeps to run", () => slow.requests.length >= 2);
      first.child.kill("SIGTERM");
      expect(await first.exit, first.output()).toBe(0);
      expect(first.output().match(/ handed back /g)).toHaveLength(2);
      expect(first.output()).toMatch(/stopped \(0 done, 0 failed, 2 handed back\)/);
      // the next worker gets them and runs them to the end
      const second = startWorker(redis.url, ["--queue-name", queueName]);
      expect(await run.exit, run.output()).toBe(0);
      const ids: string[] = [];
      for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"))) {
        ids.push(t.task_id);
        // finished by the second worker, not recorded as the first one's aborted episode
        expect(t.outcome.exit_reason).toBe("finished");
        expect((t.metadata.queue as { worker: string }).worker).toBe(
          /^(\S+): waiting/m.exec(second.output())?.[1],
        );
      }
      expect(ids.sort()).toEqual(["humanevalfix-python-0", "humanevalfix-python-1"]);
      second.child.kill("SIGTERM");
      expect(await second.exit).toBe(0);
    } finally {
      await slow.close();
    }
  }, 180_000);

  it("records a job that fails on every attempt as an error episode, and the other episodes normally", async () => {
    const runDir = tempDir("sealign-queue-");
    // a repository task whose repository no worker has: preparing its base fails every time
    const swe = JSON.parse(readFileSync(sharedData("swe-bench-lite-sample.json"), "utf8"));
    const repoTask = Array.isArray(swe) ? swe[0] : swe;
    const mixed = join(runDir, "..", `${runDir.split("/").pop()}-tasks.jsonl`);
    writeFileSync(mixed, `${readFileSync(tasksFile, "utf8").split("\n")[0]}\n${JSON.stringify(repoTask)}\n`);
    const worker = startWorker(redis.url);
    const run = start([
      "collect",
      "--tasks",
      mixed,
      "--model",
      "openai:scripted",
      "--base-url",
      server.baseUrl,
      "--queue",
      redis.url,
      "--attempts",
      "2",
      "-o",
      runDir,
    ]);
    expect(await run.exit, run.output()).toBe(0);
    const byTask = new Map<string, { reason: string; detail?: string }>();
    for await (const t of readTrajectories(join(runDir, "trajectories.jsonl")))
      byTask.set(t.task_id, { reason: t.outcome.exit_reason, detail: t.outcome.exit_detail });
    expect(byTask.size).toBe(2);
    expect(byTask.get("humanevalfix-python-0")?.reason).toBe("finished");
    const failed = byTask.get(repoTask.instance_id);
    expect(failed?.reason).toBe("sandbox_error");
    expect(failed?.detail).toMatch(/^queue: the job failed after 2 attempt\(s\): /);
    // two tries, no more
    expect(worker.output().match(new RegExp(`${repoTask.instance_id}/0 failed`, "g"))).toHaveLength(2);
    worker.child.kill("SIGTERM");
    expect(await worker.exit).toBe(0);
  }, 120_000);

  it("enqueues each episode once however often the coordinator restarts, and never puts the API key in a job", async () => {
    const runDir = tempDir("sealign-queue-");
    const queueName = "sealign-nodup";
    const enqueueOnly = async () => {
      const stop = new AbortController();
      const run = collect({
        tasksFile,
        model: "openai:scripted",
        providerOptions: { baseUrl: server.baseUrl, apiKey: "sk-test-secret-never-queued" },
        samples: 3,
        runDir,
        progress: null,
        queue: { url: redis.url, queueName, pollMs: 50 },
        signal: stop.signal,
      });
      // no worker listens on this queue: stop the coordinator once its jobs are in
      const queue = new Queue(queueName, { connection: connectionOptions(parseQueueUrl(redis.url)) });
      try {
        const deadline = Date.now() + 20_000;
        while ((await queue.getWaitingCount()) < 6 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        stop.abort();
        await run;
        return await queue.getJobs(["wait"]);
      } finally {
        await queue.close();
      }
    };
    const once = await enqueueOnly();
    const twice = await enqueueOnly();
    expect(once).toHaveLength(6);
    expect(twice.map((j) => j.id).sort()).toEqual(once.map((j) => j.id).sort());
    for (const job of twice) {
      const data = job.data as CollectJobData;
      expect(JSON.stringify(data)).not.toContain("sk-test-secret");
      expect(data.providerOptions.baseUrl).toBe(server.baseUrl);
      expect(data.task.instance_id).toMatch(/^humanevalfix-python-[01]$/);
    }
    const queue = new Queue(queueName, { connection: connectionOptions(parseQueueUrl(redis.url)) });
    await queue.obliterate({ force: true });
    await queue.close();
  }, 60_000);

  it("turns a worker's garbage into an error episode naming the problem", async () => {
    const data: CollectJobData = {
      runId: "run-x",
      task: JSON.parse(readFileSync(tasksFile, "utf8").split("\n")[0] as string),
      sample: 0,
      seed: 1,
      model: "openai:m",
      providerOptions: {},
      sampling: {},
      templates: loadPromptTemplates(),
      episode: {},
      validate: null,
    };
    const dir = tempDir();
    const garbage = await trajectoryOfOutcome(
      data,
      "run-x/t/0",
      {
        ok: true,
        value: { trajectory: { nope: 1 } as never, validationLog: null },
        attempts: 1,
        worker: "w",
      },
      dir,
    );
    expect(garbage.outcome.exit_reason).toBe("sandbox_error");
    expect(garbage.outcome.exit_detail).toMatch(/the worker returned no valid trajectory/);
    const failed = await trajectoryOfOutcome(
      data,
      "run-x/t/0",
      { ok: false, reason: "boom", attempts: 3 },
      dir,
    );
    expect(failed.outcome.exit_detail).toBe("queue: the job failed after 3 attempt(s): boom");
    expect(failed.provenance.sample_index).toBe(0);
  });

  it("says clearly when the queue URL is bad or nothing answers there", async () => {
    const runDir = tempDir("sealign-queue-");
    const bad = start([
      "collect",
      "--tasks",
      tasksFile,
      "--model",
      "sim",
      "--queue",
      "http://127.0.0.1:1",
      "-o",
      runDir,
    ]);
    const noWorker = start(["worker", "--queue", "redis://127.0.0.1:6379/x"]);
    expect(await bad.exit).toBe(2);
    expect(bad.output()).toMatch(/field --queue: only redis:\/\/ URLs/);
    expect(await noWorker.exit).toBe(2);
    expect(noWorker.output()).toMatch(/--queue: the database/);
    await expect(
      collect({
        tasksFile,
        model: "sim",
        samples: 1,
        runDir,
        progress: null,
        queue: { url: "redis://127.0.0.1:1", connectTimeoutMs: 1500 },
      }),
    ).rejects.toThrow(/queue redis:\/\/127\.0\.0\.1:1\/0 did not answer in 1\.5s/);
  }, 90_000);
});
