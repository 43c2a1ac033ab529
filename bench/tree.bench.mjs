// Benchmark of `sealign pairs` at corpus scale: read -> filter -> trees -> critical pairs ->
// write, on synthetic corpora of 0.1, 0.5 and 2 GB (bench/gen-tree-corpus.mjs, sorted by task,
// plus an unsorted 0.1 GB copy). Reports MB/s, trajectories/s and peak memory (process RSS,
// threads included), medians of several runs, next to a plain one-thread JSON.parse of every
// line of the same file. Each measurement runs in a fresh process.
//
//   npm run bench -- tree                      (all sizes)
//   node bench/tree.bench.mjs --sizes 100,500  (MB)  --runs 3
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};

if (argv[0] === "--child") {
  await child(argv[1], argv[2], argv[3]);
  process.exit(0);
}

async function child(mode, file, workers) {
  const started = performance.now();
  let trajectories = 0;
  let pairs = 0;
  let largestTask = 0;
  if (mode === "parse") {
    // Plain JSON.parse of each line on this thread: the floor the pipeline is compared with.
    const fd = openSync(file, "r");
    const buffer = Buffer.allocUnsafe(16 << 20);
    let rest = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const chunk = rest.length ? Buffer.concat([rest, buffer.subarray(0, n)]) : buffer.subarray(0, n);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        JSON.parse(chunk.toString("utf8", start, nl));
        trajectories++;
        start = nl + 1;
      }
      rest = Buffer.from(chunk.subarray(start));
    }
    closeSync(fd);
  } else {
    const { runCorpus } = await import("../dist/pairs/run.js");
    const { AtomicWriter } = await import("../dist/io/atomic.js");
    const out = join(here, ".data", `pairs-${process.pid}.jsonl`);
    const writer = new AtomicWriter(out);
    const summary = await runCorpus(
      [file],
      {
        analyse: {},
        skipInvalid: false,
        validation: mode === "fast" ? "light" : "full",
        output: { pairs: true, ablation: false, tree: false },
        workers: Number(workers),
        order: mode === "unsorted" ? "unsorted" : "auto",
      },
      {
        async task(result) {
          trajectories += result.stats.read;
          pairs += result.stats.pairs;
          if (result.pairs) await writer.write(result.pairs);
        },
        async reset() {},
      },
    );
    await writer.commit();
    const { rmSync } = await import("node:fs");
    rmSync(out, { force: true });
    largestTask = summary.tasks;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, trajectories, pairs, tasks: largestTask, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function ensureCorpus(mb, shuffle = false) {
  const file = join(here, ".data", `tree-${mb}mb${shuffle ? "-unsorted" : ""}.jsonl`);
  if (!existsSync(file) || statSync(file).size < mb * 1e6 * 0.99) {
    mkdirSync(dirname(file), { recursive: true });
    const args = [join(here, "gen-tree-corpus.mjs"), "--mb", String(mb), "--out", file, "--seed", "1"];
    if (shuffle) args.push("--shuffle");
    const r = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) throw new Error(`corpus generation failed for ${file}`);
  }
  return file;
}

function measure(mode, file, workers, runs) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), "--child", mode, file, String(workers)],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      },
    );
    if (r.status !== 0) throw new Error(`${mode} run failed: ${r.stderr}`);
    results.push(JSON.parse(r.stdout.trim().split("\n").at(-1)));
  }
  const bytes = statSync(file).size;
  const seconds = median(results.map((r) => r.seconds));
  return {
    mode,
    workers,
    runs,
    seconds_median: seconds,
    seconds_all: results.map((r) => Number(r.seconds.toFixed(2))),
    // CPU seconds of all threads: less sensitive than wall time to other load on the machine.
    cpu_seconds_median: median(results.map((r) => r.cpuSeconds)),
    mb_per_cpu_s: bytes / 1e6 / median(results.map((r) => r.cpuSeconds)),
    mb_per_s: bytes / 1e6 / seconds,
    trajectories_per_s: results[0].trajectories / seconds,
    trajectories: results[0].trajectories,
    pairs: results[0].pairs,
    peak_rss_mb: median(results.map((r) => r.peakRssMB)),
  };
}

const sizes = String(flag("sizes", "100,500,2000")).split(",").map(Number);
const runs = Number(flag("runs", 3));
const workers = Number(flag("workers", 2));
const report = { machine: { cpus: (await import("node:os")).availableParallelism() }, sizes: [] };
for (const mb of sizes) {
  const file = ensureCorpus(mb);
  const bytes = statSync(file).size;
  const sizeRuns = mb >= 2000 ? Math.min(runs, 3) : runs;
  const parse = measure("parse", file, 0, sizeRuns);
  const full = measure("full", file, workers, sizeRuns);
  const fast = measure("fast", file, workers, sizeRuns);
  const entry = {
    mb: bytes / 1e6,
    parse,
    full,
    fast,
    ratio_full_to_parse: full.mb_per_s / parse.mb_per_s,
    ratio_fast_to_parse: fast.mb_per_s / parse.mb_per_s,
  };
  report.sizes.push(entry);
  console.log(
    `${(bytes / 1e6).toFixed(0)} MB: parse ${parse.mb_per_s.toFixed(0)} MB/s (1 thread, ${parse.mb_per_cpu_s.toFixed(0)} MB per CPU-s) | pairs ${full.mb_per_s.toFixed(0)} MB/s (${full.mb_per_cpu_s.toFixed(0)} MB per CPU-s), ${full.trajectories_per_s.toFixed(0)} traj/s, peak ${full.peak_rss_mb.toFixed(0)} MB | --fast ${fast.mb_per_s.toFixed(0)} MB/s (${fast.mb_per_cpu_s.toFixed(0)} MB per CPU-s), peak ${fast.peak_rss_mb.toFixed(0)} MB | ${full.pairs} pairs (medians of ${sizeRuns})`,
  );
}
if (sizes.includes(100) && flag("unsorted", "yes") === "yes") {
  const file = ensureCorpus(100, true);
  const unsorted = measure("unsorted", file, workers, runs);
  report.unsorted_100mb = unsorted;
  console.log(
    `100 MB unsorted: pairs ${unsorted.mb_per_s.toFixed(0)} MB/s, peak ${unsorted.peak_rss_mb.toFixed(0)} MB`,
  );
}
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results", "tree.json"), `${JSON.stringify(report, null, 2)}\n`);
