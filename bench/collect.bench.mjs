// Collection runtime benchmark: the persistent sandboxed shell's round trip for `true`, the
// runtime's own per-step overhead (everything but model and command time), and episodes per
// minute with a zero-latency scripted model at concurrency 1, 4 and 16.
// Figures: medians over repeats; written to bench/results/collect.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { collect, loadTasks, PersistentShell, runEpisodeTimed } from "../dist/index.js";
import { ZeroLatencyScriptedModel } from "../test/doubles/zero-latency-model.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, "..", "..", "shared", "data", "humanevalfix-python.jsonl");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const tasks = await loadTasks(data);
const results = {
  machine: { cores: availableParallelism(), node: process.version },
  date: new Date().toISOString(),
};

// 1. shell round trip for `true`
{
  const ws = mkdtempSync(join(tmpdir(), "sealign-bench-ws-"));
  const shell = await PersistentShell.start({ workspace: ws });
  const limits = { softTimeoutMs: 10_000, hardTimeoutMs: 10_000 };
  for (let i = 0; i < 50; i++) await shell.run("true", limits);
  const times = [];
  for (let i = 0; i < 1000; i++) {
    const t = process.hrtime.bigint();
    await shell.run("true", limits);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const start = [];
  for (let i = 0; i < 5; i++) {
    const t = Date.now();
    const s = await PersistentShell.start({ workspace: ws });
    start.push(Date.now() - t);
    await s.close();
  }
  await shell.close();
  rmSync(ws, { recursive: true, force: true });
  results.shell_true_roundtrip_ms = {
    median: round(median(times), 3),
    p95: round(pct(times, 0.95), 3),
    n: times.length,
  };
  results.shell_start_ms = { median: median(start), n: start.length };
  console.log(
    `shell round trip for \`true\`: median ${round(median(times), 3)} ms, p95 ${round(pct(times, 0.95), 3)} ms (target < 5 ms)`,
  );
  console.log(`sandboxed shell start (bwrap + cgroup): median ${median(start)} ms`);
}

// 2. per-step runtime overhead
{
  const model = new ZeroLatencyScriptedModel();
  const perStep = [];
  const setup = [];
  const finish = [];
  const total = [];
  for (let i = 0; i < 7; i++) {
    const { trajectory, timings } = await runEpisodeTimed(tasks[i % tasks.length], model, { seed: i });
    const turns = trajectory.usage.turns;
    perStep.push(
      (timings.totalMs - timings.modelMs - timings.commandMs - timings.setupMs - timings.finishMs) / turns,
    );
    setup.push(timings.setupMs);
    finish.push(timings.finishMs);
    total.push(timings.totalMs);
  }
  results.step_overhead_ms = { median: round(median(perStep)), n: perStep.length, turns_per_episode: 8 };
  results.episode_setup_ms = { median: median(setup) };
  results.episode_finish_ms = { median: median(finish) };
  results.episode_total_ms = { median: median(total) };
  console.log(
    `per-step runtime overhead (excl. model and command time): median ${round(median(perStep))} ms; episode set-up (workspace + shell) median ${median(setup)} ms; finish (git diff + trajectory) median ${median(finish)} ms; 8-turn episode median ${median(total)} ms`,
  );
}

// 3. episodes per minute at concurrency 1, 4, 16
{
  const dir = mkdtempSync(join(tmpdir(), "sealign-bench-collect-"));
  const tasksFile = join(dir, "tasks.jsonl");
  writeFileSync(tasksFile, `${readFileSync(data, "utf8").split("\n").slice(0, 16).join("\n")}\n`);
  results.episodes_per_minute = {};
  let base = null;
  for (const concurrency of [1, 4, 16]) {
    const rates = [];
    for (let repeat = 0; repeat < 3; repeat++) {
      const runDir = join(dir, `run-${concurrency}-${repeat}`);
      const t = Date.now();
      const summary = await collect({
        tasksFile,
        model: new ZeroLatencyScriptedModel(),
        samples: 2,
        concurrency,
        runDir,
        progress: null,
      });
      const minutes = (Date.now() - t) / 60_000;
      rates.push(summary.ran / minutes);
      rmSync(runDir, { recursive: true, force: true });
    }
    const m = median(rates);
    base ??= m;
    results.episodes_per_minute[`c${concurrency}`] = {
      median: round(m, 1),
      ratio_to_c1: round(m / base),
      n: rates.length,
      episodes: 32,
    };
    console.log(
      `episodes/minute at concurrency ${concurrency}: median ${round(m, 1)} (x${round(m / base)} of concurrency 1; 32 eight-turn episodes, 3 repeats)`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

writeFileSync(join(here, "results", "collect.json"), `${JSON.stringify(results, null, 2)}\n`);
