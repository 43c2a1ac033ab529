// Validation throughput on all 328 HumanEvalFix tasks (Python + JS) with 1 and 2 workers, and
// the cache's speed-up on a corpus where each patch appears 4 times (with whitespace/CRLF/index
// noise). Every task's buggy code is validated (a comment line added on top), so every run
// executes the real test command in the sandbox; the 8 tasks that loop forever end by time-out.
// Figures: medians over BENCH_REPS runs (default 3). Writes bench/results/validate.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateRun } from "../dist/validate/run.js";

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, "..", "..", "shared", "data");
const reps = Number(process.env.BENCH_REPS ?? 3);
const timeoutS = Number(process.env.BENCH_VALIDATE_TIMEOUT ?? 2);
const work = mkdtempSync(join(tmpdir(), "sealign-bench-validate-"));

const rows = ["python", "js"].flatMap((l) =>
  readFileSync(join(data, `humanevalfix-${l}.jsonl`), "utf8")
    .split("\n")
    .filter((x) => x.trim())
    .map((x) => JSON.parse(x)),
);
const tasksFile = join(work, "tasks.jsonl");
writeFileSync(tasksFile, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);

function touchPatch(row) {
  const [name, content] = Object.entries(row.files)[0];
  const context = content.split("\n").slice(0, 3);
  const comment = name.endsWith(".py") ? "# touched" : "// touched";
  return [
    `diff --git a/${name} b/${name}`,
    `index 1111111..2222222 100644`,
    `--- a/${name}`,
    `+++ b/${name}`,
    `@@ -1,${context.length} +1,${context.length + 1} @@`,
    `+${comment}`,
    ...context.map((l) => ` ${l}`),
    "",
  ].join("\n");
}
// Noise a model or scaffold adds without changing the edit.
const variants = [
  (p) => p,
  (p) => p.replace(/\n/g, "\r\n"),
  (p) => p.replace(/^index .*$/m, "index abcdef0..7654321 100644"),
  (p) => `${p.replace("+# touched", "+# touched  ").replace("+// touched", "+// touched  ")}\n\n`,
];

function predictions(name, items) {
  const path = join(work, `${name}.jsonl`);
  writeFileSync(path, `${items.map((i) => JSON.stringify(i)).join("\n")}\n`);
  return path;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timed(input, { workers, cacheDir }) {
  const out = mkdtempSync(join(work, "out-"));
  const started = performance.now();
  const summary = await validateRun({
    input,
    tasks: tasksFile,
    out,
    workers,
    timeoutS,
    cacheDir,
    progress: null,
  });
  const seconds = (performance.now() - started) / 1000;
  rmSync(out, { recursive: true, force: true });
  return { seconds, summary };
}

const results = {
  reps,
  timeout_s: timeoutS,
  cores: (await import("node:os")).cpus().length,
  corpus: {},
  cache: {},
};

const parts = (process.env.BENCH_VALIDATE_PARTS ?? "corpus,cache").split(",");

if (parts.includes("corpus")) {
  // 1. The whole corpus, every patch run (no cache), 1 and 2 workers.
  const all = predictions(
    "all",
    rows.map((r) => ({
      instance_id: r.instance_id,
      model_name_or_path: "buggy",
      model_patch: touchPatch(r),
    })),
  );
  for (const workers of [1, 2]) {
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const { seconds, summary } = await timed(all, { workers, cacheDir: null });
      if (summary.resolved_instances !== 0) throw new Error(`buggy code resolved: ${summary.resolved_ids}`);
      runs.push({
        seconds,
        timed_out: summary.sealign.timed_out_ids.length,
        tests_run: summary.sealign.cache.tests_run,
      });
      console.log(
        `corpus 328, ${workers} worker(s), run ${i + 1}: ${seconds.toFixed(1)}s, ${runs.at(-1).timed_out} timed out, 0 resolved`,
      );
    }
    const s = median(runs.map((r) => r.seconds));
    results.corpus[`workers_${workers}`] = { median_s: s, validations_per_minute: (328 / s) * 60, runs };
  }
  results.corpus.speedup_2_vs_1 = results.corpus.workers_1.median_s / results.corpus.workers_2.median_s;
}

if (parts.includes("cache")) {
  // 2. Each patch 4 times (about 80 tasks that end by themselves x 4 noisy variants), 2 workers.
  const looping = new Set(
    rows
      .filter((r) => ["10", "123", "156", "160", "76", "155"].includes(r.instance_id.split("-").at(-1)))
      .map((r) => r.instance_id),
  );
  const picked = rows.filter((r, i) => i % 4 === 0 && !looping.has(r.instance_id)).slice(0, 82);
  // Many patches per task: sealign trajectories (predictions allow one per instance).
  const trajectories = picked.flatMap((r) =>
    variants.map((v, k) => ({
      schema_version: "sealign.trajectory/1",
      id: `${r.instance_id}#${k}`,
      task_id: r.instance_id,
      provenance: { scaffold: "bench", model: "buggy", sealign_version: "bench" },
      tools: [],
      messages: [{ role: "user", content: "fix" }],
      patch: v(touchPatch(r)),
      outcome: { resolved: null, exit_reason: "finished" },
      usage: { turns: 0 },
    })),
  );
  const repeatedInput = join(work, "repeated-trajectories.jsonl");
  writeFileSync(repeatedInput, `${trajectories.map((t) => JSON.stringify(t)).join("\n")}\n`);
  const modes = {};
  for (const mode of ["no_cache", "cold_cache", "warm_cache"]) {
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const cacheDir = mode === "no_cache" ? null : join(work, `cache-${i}`);
      if (mode === "cold_cache") rmSync(cacheDir, { recursive: true, force: true });
      const { seconds, summary } = await timed(repeatedInput, { workers: 2, cacheDir });
      runs.push({
        seconds,
        tests_run: summary.sealign.cache.tests_run,
        hits: summary.sealign.cache.hits,
        deduplicated: summary.sealign.cache.deduplicated,
      });
      console.log(
        `repeated ${picked.length}x4, ${mode}, run ${i + 1}: ${seconds.toFixed(1)}s, ${runs.at(-1).tests_run} test runs`,
      );
    }
    modes[mode] = { median_s: median(runs.map((r) => r.seconds)), runs };
  }
  results.cache = {
    trajectories: trajectories.length,
    distinct_patches: picked.length,
    ...modes,
    speedup_cold: modes.no_cache.median_s / modes.cold_cache.median_s,
    speedup_warm: modes.no_cache.median_s / modes.warm_cache.median_s,
  };
}

console.log("\nvalidate benchmark (medians of", reps, "runs; test time limit", timeoutS, "s)");
if (results.corpus.workers_1) {
  console.log(
    `  all 328 HumanEvalFix tasks, 1 worker : ${results.corpus.workers_1.median_s.toFixed(1)} s = ${results.corpus.workers_1.validations_per_minute.toFixed(0)} validations/min`,
  );
  console.log(
    `  all 328 HumanEvalFix tasks, 2 workers: ${results.corpus.workers_2.median_s.toFixed(1)} s = ${results.corpus.workers_2.validations_per_minute.toFixed(0)} validations/min (x${results.corpus.speedup_2_vs_1.toFixed(2)})`,
  );
}
if (results.cache.no_cache) {
  console.log(
    `  ${results.cache.distinct_patches} patches x 4 (${results.cache.trajectories}), 2 workers: no cache ${results.cache.no_cache.median_s.toFixed(1)} s, cold cache ${results.cache.cold_cache.median_s.toFixed(1)} s (x${results.cache.speedup_cold.toFixed(2)}), warm cache ${results.cache.warm_cache.median_s.toFixed(2)} s (x${results.cache.speedup_warm.toFixed(1)})`,
  );
}
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(
  join(here, "results", `validate${parts.length === 2 ? "" : `-${parts.join("-")}`}.json`),
  `${JSON.stringify(results, null, 2)}\n`,
);
rmSync(work, { recursive: true, force: true });
