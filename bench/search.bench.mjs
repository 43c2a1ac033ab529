// Tree search vs independent sampling at matched budgets (docs/method-check.md, docs/search.md):
// pairs, precision, recall over the detectable and over all fatal decisions of the simulated
// teacher, for 4, 8 and 16 samples' worth of model turns per task, over several seeds (medians
// and ranges), with the paper's filters on, the isolated one off, and all off.
//
// Each (simulator settings, seed, strategy) is one resumable collection of the largest budget;
// the smaller budgets are cut from it: independent sampling keeps its first n samples, the tree
// search is anytime (the same seed's run with a smaller budget is a prefix of the larger one in
// sample order, src/search/budget.ts), so it keeps its episodes until the task's model turns
// reach n x the mean turns of its two initial episodes, where a run with that budget stops.
//
// Environment: SEARCH_BENCH_WORK (work folder, kept for resume), SEARCH_BENCH_SEEDS ("0,1,2,3"),
// SEARCH_BENCH_SAMPLES (largest budget in samples' worth, 16), SEARCH_BENCH_LIMIT (first N
// built-in tasks, default all), SEARCH_BENCH_SIM (simulator settings to compare, separated by
// ";", default ";realistic=1": the demo's and the realistic one), SEARCH_BENCH_OUT (results file,
// default bench/results/search.json). A run folder kept from a larger budget is reused.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  analyseTask,
  collect,
  loadBuiltinTasks,
  methodCheck,
  modelTurns,
  readTrajectories,
  SEALIGN_VERSION,
  writeJsonlAtomic,
} from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const work = process.env.SEARCH_BENCH_WORK ?? join(tmpdir(), "sealign-search-bench");
const seeds = (process.env.SEARCH_BENCH_SEEDS ?? "0,1,2,3").split(",").map(Number);
const maxSamples = Number(process.env.SEARCH_BENCH_SAMPLES ?? 16);
const limit = process.env.SEARCH_BENCH_LIMIT ? Number(process.env.SEARCH_BENCH_LIMIT) : undefined;
const sims = (process.env.SEARCH_BENCH_SIM ?? ";realistic=1").split(";");
/** Budgets reported (each from the runs that reach it: the "seeds" column counts them). */
const BUDGETS = [4, 8, 16];
/** The search's initial root episodes (src/search/budget.ts INITIAL_SAMPLES). */
const INITIAL = 2;

mkdirSync(work, { recursive: true });
const tasksFile = join(work, "tasks.jsonl");
const all = await loadBuiltinTasks();
await writeJsonlAtomic(tasksFile, limit === undefined ? all : all.slice(0, limit));

async function run(sim, seed, strategy) {
  const runDir = join(work, `${sim || "defaults"}.seed${seed}.${strategy}`.replace(/[^\w.=-]/g, "_"));
  // a run kept from a bench with a larger budget is resumed as it was (and cut like the others)
  const manifest = join(runDir, "manifest.json");
  const kept = existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).samples : 0;
  const t0 = Date.now();
  await collect({
    tasksFile,
    model: sim ? `sim:${sim}` : "sim",
    samples: Math.max(maxSamples, kept),
    strategy,
    concurrency: 2,
    runDir,
    seed,
    validate: { timeoutMs: 300_000 },
    progress: null,
  });
  const byTask = new Map();
  for await (const t of readTrajectories(join(runDir, "trajectories.jsonl"))) {
    if (!byTask.has(t.task_id)) byTask.set(t.task_id, []);
    byTask.get(t.task_id).push(t);
  }
  for (const list of byTask.values())
    list.sort((a, b) => a.provenance.sample_index - b.provenance.sample_index);
  return { byTask, samples: Math.max(maxSamples, kept), seconds: (Date.now() - t0) / 1000 };
}

/** The episodes a run with `n` samples' worth would have had. */
function cut(list, strategy, n) {
  if (strategy === "independent") return list.filter((t) => t.provenance.sample_index < n);
  const roots = list.filter((t) => t.provenance.sample_index < INITIAL);
  const budget = Math.ceil((n * roots.reduce((s, t) => s + modelTurns(t), 0)) / roots.length);
  const out = [];
  let turns = 0;
  for (const t of list) {
    if (t.provenance.sample_index >= INITIAL && turns >= budget) break;
    out.push(t);
    turns += modelTurns(t);
  }
  return out;
}

/** The paper's filters (dedupe, stuck, isolated) on, the isolated one off, all off. */
const FILTERS = [
  ["on", undefined],
  ["isolated off", { isolated: false }],
  ["all off", { dedupe: false, stuck: false, isolated: false }],
];
const measured = [];
const seconds = {};
for (const sim of sims) {
  for (const seed of seeds) {
    for (const strategy of ["independent", "tree"]) {
      const { byTask, samples, seconds: s } = await run(sim, seed, strategy);
      seconds[`${sim || "defaults"} ${strategy}`] = (seconds[`${sim || "defaults"} ${strategy}`] ?? 0) + s;
      for (const n of BUDGETS.filter((b) => b <= samples)) {
        for (const [filter, filters] of FILTERS) {
          const subset = [];
          const pairs = [];
          for (const [taskId, list] of byTask) {
            const part = cut(list, strategy, n);
            subset.push(...part);
            pairs.push(...analyseTask(taskId, part, { filters }).pairs);
          }
          const m = methodCheck(subset, pairs);
          measured.push({ sim: sim || "defaults", seed, strategy, samples: n, filter, ...m });
        }
      }
      console.error(`search-bench: ${sim || "defaults"} seed ${seed} ${strategy}: ${s.toFixed(0)} s`);
    }
  }
}

const median = (xs) => {
  const v = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const f = (x, digits = 2) => (x === null ? "n/a" : x.toFixed(digits));
const spread = (xs, digits = 2) => {
  const v = xs.filter((x) => x !== null);
  if (v.length === 0) return "n/a";
  return `${f(median(v), digits)} (${f(Math.min(...v), digits)}-${f(Math.max(...v), digits)})`;
};
const rows = [];
for (const sim of sims.map((s) => s || "defaults"))
  for (const [filter] of FILTERS)
    for (const n of BUDGETS)
      for (const strategy of ["independent", "tree"]) {
        const ms = measured.filter(
          (m) => m.sim === sim && m.filter === filter && m.samples === n && m.strategy === strategy,
        );
        if (ms.length === 0) continue;
        rows.push({
          sim,
          filter,
          samples: n,
          strategy,
          seeds: ms.length,
          model_turns: median(ms.map((m) => m.modelTurns)),
          pairs: spread(
            ms.map((m) => m.pairs),
            0,
          ),
          precision: spread(ms.map((m) => m.precision)),
          recall: spread(ms.map((m) => m.recall)),
          recall_all: spread(ms.map((m) => m.recallAll)),
          medians: {
            pairs: median(ms.map((m) => m.pairs)),
            precision: median(ms.map((m) => m.precision)),
            recall: median(ms.map((m) => m.recall)),
            recall_all: median(ms.map((m) => m.recallAll)),
          },
        });
      }
const tasks = limit ?? all.length;
console.log(
  `search-bench: ${tasks} built-in tasks, seeds ${seeds.join(",")}; medians over seeds (min-max); collect seconds: ${Object.entries(
    seconds,
  )
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(", ")}`,
);
console.log(
  "\n| simulator | filters | samples' worth | strategy | seeds | model turns | pairs | precision | recall (detectable) | recall (all) |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.sim} | ${r.filter} | ${r.samples} | ${r.strategy} | ${r.seeds} | ${r.model_turns} | ${r.pairs} | ${r.precision} | ${r.recall} | ${r.recall_all} |`,
  );
// the ratio against the anchor (independent sampling) measured in the same run
for (const sim of sims.map((s) => s || "defaults"))
  for (const n of BUDGETS) {
    const at = (strategy) =>
      rows.find((r) => r.sim === sim && r.filter === "on" && r.samples === n && r.strategy === strategy);
    const a = at("independent");
    const b = at("tree");
    if (a && b && a.medians.recall_all && b.medians.recall_all !== null)
      console.log(
        `${sim}, ${n} samples' worth: tree/independent recall (all) ${(b.medians.recall_all / a.medians.recall_all).toFixed(2)}x at ${(b.model_turns / a.model_turns).toFixed(2)}x the model turns`,
      );
  }
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(
  process.env.SEARCH_BENCH_OUT ?? join(here, "results", "search.json"),
  `${JSON.stringify({ sealign_version: SEALIGN_VERSION, tasks, seeds, sims, rows, measured }, null, 2)}\n`,
);
