// Scale-out benchmark (collect --queue with sealign worker processes on BullMQ + Redis):
//   1. the queue itself: round trip of a no-op job (enqueue -> worker -> completed) and no-op
//      jobs per second, so that the queue's own ceiling is known;
//   2. per-episode overhead of a queued run against a local run of the same episodes
//      (one worker of concurrency 1 vs. collect --concurrency 1, zero-latency scripted model);
//   3. episodes per minute with 1, 2 and 4 worker processes, next to a local run at the same
//      concurrency, which shows where the machine's cores, not the queue, are the ceiling.
// Figures: medians over repeats; written to bench/results/queue.json.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import { collect } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "dist", "cli.js");
const data = join(here, "..", "..", "shared", "data", "humanevalfix-python.jsonl");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const freePort = () =>
  new Promise((resolve) => {
    const s = createNetServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * BENCHMARK DOUBLE (not product code): an OpenAI-compatible server on loopback that answers at
 * once: one shell command, then finish. Workers reach it by its URL, as they would a real one.
 */
function startZeroLatencyServer() {
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const messages = JSON.parse(body).messages;
    const last = messages.at(-1)?.role;
    const call =
      last === "tool"
        ? { name: "finish", arguments: JSON.stringify({ message: "done" }) }
        : { name: "execute_bash", arguments: JSON.stringify({ command: "true" }) };
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: "x",
        object: "chat.completion",
        created: 0,
        model: "bench",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "c", type: "function", function: call }],
            },
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, baseUrl: `http://127.0.0.1:${server.address().port}/v1` }),
    ),
  );
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sealign-bench-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    {
      stdio: "ignore",
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Queue("probe", { connection: { host: "127.0.0.1", port, maxRetriesPerRequest: null } });
  probe.on("error", () => {});
  await probe.getJobCounts("wait");
  await probe.close();
  const stop = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, port, stop };
}

/** N worker processes of concurrency 1 each, resolved once every one is waiting for jobs. */
async function startWorkers(url, n, queueName) {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, [cli, "worker", "--queue", url, "--queue-name", queueName], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let text = "";
    await new Promise((resolve, reject) => {
      child.stderr.on("data", (d) => {
        text += d;
        if (text.includes("waiting for jobs")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`worker exited ${code}: ${text}`)));
    });
    workers.push(child);
  }
  return {
    stop: async () => {
      const exited = workers.map((w) => new Promise((r) => w.once("exit", r)));
      for (const w of workers) w.kill("SIGTERM");
      await Promise.all(exited);
    },
  };
}

const tasksFile = join(mkdtempSync(join(tmpdir(), "sealign-bench-queue-")), "tasks.jsonl");
writeFileSync(tasksFile, `${readFileSync(data, "utf8").split("\n").slice(0, 4).join("\n")}\n`);

async function timedCollect(samples, options) {
  const runDir = mkdtempSync(join(tmpdir(), "sealign-bench-run-"));
  const t = process.hrtime.bigint();
  const summary = await collect({
    tasksFile,
    model: "openai:bench",
    providerOptions: { baseUrl },
    samples,
    runDir,
    progress: null,
    ...options,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  rmSync(runDir, { recursive: true, force: true });
  if (summary.ran !== samples * 4) throw new Error(`ran ${summary.ran} of ${samples * 4}`);
  return ms;
}

const { server, baseUrl } = await startZeroLatencyServer();
const redis = await startRedis();
const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
const results = {
  machine: { cores: availableParallelism(), node: process.version },
  date: new Date().toISOString(),
};
let qn = 0;
const nextQueue = () => `bench-${process.pid}-${qn++}`;

try {
  // 1. the queue alone: no-op jobs through one in-process BullMQ worker
  {
    const name = nextQueue();
    const queue = new Queue(name, { connection });
    const worker = new Worker(name, async () => ({ ok: true }), { connection, concurrency: 8 });
    await worker.waitUntilReady();
    const trips = [];
    for (let i = 0; i < 200; i++) {
      const t = process.hrtime.bigint();
      const job = await queue.add("noop", { i }, { removeOnComplete: true });
      await new Promise((resolve) => {
        const check = async () =>
          (await queue.getJobState(job.id)) === "unknown" ? resolve() : setImmediate(check);
        check();
      });
      trips.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const n = 2000;
    let done = 0;
    const all = new Promise((resolve) => worker.on("completed", () => ++done === n && resolve()));
    const t = process.hrtime.bigint();
    await queue.addBulk(
      Array.from({ length: n }, (_, i) => ({ name: "noop", data: { i }, opts: { removeOnComplete: true } })),
    );
    await all;
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    results.noop = { round_trip_ms_median: round(median(trips.slice(20))), jobs_per_s: round(n / s, 0) };
    console.log(
      `queue alone: no-op job round trip median ${results.noop.round_trip_ms_median} ms; ${results.noop.jobs_per_s} no-op jobs/s (one worker, concurrency 8)`,
    );
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }

  // 2. per-episode overhead: 1 worker (concurrency 1) vs local concurrency 1, same 8 episodes
  {
    const samples = 2;
    const episodes = samples * 4;
    const local = [];
    const queued = [];
    const name = nextQueue();
    const workers = await startWorkers(redis.url, 1, name);
    await timedCollect(1, {}); // warm-up
    for (let r = 0; r < 5; r++) {
      local.push((await timedCollect(samples, { concurrency: 1 })) / episodes);
      queued.push((await timedCollect(samples, { queue: { url: redis.url, queueName: name } })) / episodes);
    }
    await workers.stop();
    const l = median(local);
    const q = median(queued);
    results.per_episode = {
      local_ms_median: round(l, 1),
      queued_ms_median: round(q, 1),
      overhead_ms: round(q - l, 1),
      ratio: round(q / l),
      repeats: 5,
      episodes_per_repeat: episodes,
    };
    console.log(
      `per episode: local ${round(l, 1)} ms, queued ${round(q, 1)} ms (median of 5 x ${episodes}): overhead ${round(q - l, 1)} ms, ratio ${round(q / l)}x`,
    );
  }

  // 3. throughput with 1, 2, 4 worker processes, next to local runs at the same concurrency
  results.throughput = [];
  for (const n of [1, 2, 4]) {
    const samples = 4;
    const episodes = samples * 4;
    const name = nextQueue();
    const workers = await startWorkers(redis.url, n, name);
    const queued = [];
    const local = [];
    for (let r = 0; r < 3; r++) {
      queued.push(await timedCollect(samples, { queue: { url: redis.url, queueName: name } }));
      local.push(await timedCollect(samples, { concurrency: n }));
    }
    await workers.stop();
    const perMin = (ms) => round((episodes / ms) * 60_000, 0);
    const row = {
      workers: n,
      queued_episodes_per_min: perMin(median(queued)),
      local_episodes_per_min: perMin(median(local)),
    };
    results.throughput.push(row);
    console.log(
      `${n} worker process(es): ${row.queued_episodes_per_min} episodes/min queued; local --concurrency ${n}: ${row.local_episodes_per_min} episodes/min (median of 3 x ${episodes})`,
    );
  }
  console.log(
    `(${availableParallelism()} cores: past ${availableParallelism()} workers the sandboxes compete for the same cores, so queued and local runs level off together; the queue alone moves ${results.noop.jobs_per_s} jobs/s)`,
  );
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", "queue.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  server.close();
  redis.stop();
}
