// The viewer on a 10,000-trajectory run: index time and memory, API latency, and page loads in
// Debian's chromium (overview, task list scrolled to the end, trajectory, a ~500-node tree,
// pairs), each the median of several runs.
//
// The run is generated at bench time into .cache/view-bench-10000/ (git-ignored) by
// bench/gen-tree-corpus.mjs (realistic OpenHands-sized observations), then `sealign tree` and
// `sealign pairs` (dist/) make its trees and pairs, so the viewer reads real stage outputs.
//   node bench/view.bench.mjs [TRAJECTORIES]   (default 10000)

import { spawnSync } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Catalog } from "../dist/view/catalog.js";
import { startViewServer } from "../dist/view/server.js";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = Number(process.argv[2] ?? 10_000);
// Under the repository's .cache/ (git-ignored, and outside what biome checks: the tree files are JSON).
const dir = join(here, "..", ".cache", `view-bench-${wanted}`);
const cli = join(here, "..", "dist", "cli.js");
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x) => Math.round(x * 10) / 10;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status})`);
}

/** Copy the first `n` lines of `from`, rewriting ids with a prefix (for the second corpus). */
async function takeLines(from, to, n, prefix = "") {
  const out = createWriteStream(to);
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(from) })) {
    if (!line.trim()) continue;
    if (count >= n) break;
    let text = line;
    if (prefix) {
      const t = JSON.parse(line);
      t.task_id = `${prefix}${t.task_id}`;
      t.id = `${prefix}${t.id}`;
      t.provenance.run_id = "big-tree";
      text = JSON.stringify(t);
    }
    if (!out.write(`${text}\n`)) await new Promise((r) => out.once("drain", r));
    count++;
  }
  await new Promise((r) => out.end(r));
  return count;
}

// ---- the run: 10,000 trajectories (+ one task sampled 40 times for a ~500-node tree)
const trajFile = join(dir, "run", "trajectories.jsonl");
const bigFile = join(dir, "big", "trajectories.jsonl");
if (!existsSync(join(dir, "done"))) {
  console.log(`generating a ${wanted}-trajectory run in ${dir} ...`);
  mkdirSync(join(dir, "run"), { recursive: true });
  mkdirSync(join(dir, "big"), { recursive: true });
  const raw = join(dir, "raw.jsonl");
  // ~76 kB a trajectory with the generator's real observation sizes; a little extra, then cut.
  run(process.execPath, [
    join(here, "gen-tree-corpus.mjs"),
    "--mb",
    String(Math.ceil(wanted * 0.08)),
    "--out",
    raw,
  ]);
  const n = await takeLines(raw, trajFile, wanted);
  if (n < wanted) throw new Error(`generator gave ${n} trajectories, wanted ${wanted}`);
  const rawBig = join(dir, "raw-big.jsonl");
  run(process.execPath, [
    join(here, "gen-tree-corpus.mjs"),
    "--mb",
    "3",
    "--samples",
    "40",
    "--seed",
    "7",
    "--out",
    rawBig,
  ]);
  await takeLines(rawBig, bigFile, 40, "big-");
  run(process.execPath, [cli, "tree", trajFile, bigFile, "-o", join(dir, "trees"), "--no-progress"]);
  run(process.execPath, [cli, "pairs", trajFile, bigFile, "-o", join(dir, "pairs.jsonl"), "--no-progress"]);
  const { rmSync, writeFileSync } = await import("node:fs");
  rmSync(raw);
  rmSync(rawBig);
  writeFileSync(join(dir, "done"), "");
}
// A 10,000-node tree (bench/gen-view-tree.mjs), in its own folder of the run.
const tree10k = join(dir, "tree-10000", "tree.json");
if (!existsSync(tree10k)) {
  mkdirSync(dirname(tree10k), { recursive: true });
  run(process.execPath, [join(here, "gen-view-tree.mjs"), tree10k, "10000"]);
}
const runBytes = statSync(trajFile).size + statSync(bigFile).size;

// ---- index
const indexTimes = [];
let catalog;
for (let i = 0; i < 3; i++) {
  catalog = null;
  globalThis.gc?.();
  const start = performance.now();
  catalog = await Catalog.open([dir]);
  indexTimes.push(performance.now() - start);
  globalThis.gc?.();
}
// What the index keeps: summaries (measured as their JSON size: V8's heap figures are noisier
// than the index itself) plus four numbers of location per record, not the records.
const summaryMb =
  (JSON.stringify(catalog.trajectories).length + JSON.stringify(catalog.pairs).length) / 1048576;
const trajectories = catalog.trajectories.length;
const treeNodes = (t) => JSON.parse(readFileSync(join(dir, "trees", t), "utf8")).nodes.length;
const treeFiles = readdirSync(join(dir, "trees")).filter((f) => f !== "index.json" && f.endsWith(".json"));
const bigTree = treeFiles.find((f) => f.startsWith("big-"));
const bigTask = bigTree ? JSON.parse(readFileSync(join(dir, "trees", bigTree), "utf8")).task_id : null;
const bigNodes = bigTree ? treeNodes(bigTree) : 0;
// A typical tree: the one whose size is closest to 500 nodes.
const typical = treeFiles
  .filter((f) => !f.startsWith("big-"))
  .slice(0, 200)
  .map((f) => ({ f, n: treeNodes(f) }))
  .sort((a, b) => Math.abs(a.n - 500) - Math.abs(b.n - 500))[0];
const typicalTask = JSON.parse(readFileSync(join(dir, "trees", typical.f), "utf8")).task_id;

// ---- API
const server = await startViewServer(catalog);
const api = async (path) => {
  const start = performance.now();
  const res = await fetch(server.url + path);
  const body = await res.arrayBuffer();
  return { ms: performance.now() - start, bytes: body.byteLength };
};
const apiTimes = {};
for (const [name, path] of [
  ["overview", "api/overview"],
  ["tasks page", "api/tasks?limit=100"],
  ["trajectories of a task", `api/trajectories?task=${encodeURIComponent(catalog.trajectories[0].task_id)}`],
  ["one trajectory", `api/trajectory?id=${encodeURIComponent(catalog.trajectories[5000 % trajectories].id)}`],
  ["pairs page", "api/pairs?limit=100&sort=gap"],
  [
    "trajectories across the corpus, failed, by turns",
    "api/trajectories?outcome=failed&sort=-turns&limit=100",
  ],
  ["the 10,000-node tree", "api/tree?task=synthetic-10000"],
]) {
  const runs = [];
  for (let i = 0; i < 15; i++) runs.push(await api(path));
  apiTimes[name] = { median_ms: ms(median(runs.map((r) => r.ms))), bytes: runs[0].bytes };
}

// ---- browser
const context = await chromium.launchPersistentContext(
  mkdtempSync(join(tmpdir(), "sealign-bench-chromium-")),
  {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 900 },
  },
);
const page = await context.newPage();
let transferred = 0;
page.on("response", async (r) => {
  try {
    transferred += (await r.body()).length;
  } catch {}
});
async function load(hash, selector) {
  await page.goto("about:blank");
  transferred = 0;
  const start = performance.now();
  await page.goto(server.url + hash);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  if (selector) await page.locator(selector).first().waitFor();
  return performance.now() - start;
}
const pages = {};
async function measure(name, hash, selector, runs = 5) {
  const times = [];
  let bytes = 0;
  let elements = 0;
  for (let i = 0; i < runs; i++) {
    times.push(await load(hash, selector));
    await page.waitForTimeout(100);
    bytes = transferred;
    elements = await page.evaluate(() => document.getElementsByTagName("*").length);
  }
  pages[name] = {
    median_ms: ms(median(times)),
    min_ms: ms(Math.min(...times)),
    transferred_kb: Math.round(bytes / 1024),
    dom_elements: elements,
  };
}
await measure("overview (to first task rows)", "#/", ".task-row[data-task]");
// Scroll the task list to its end: rows are fetched a page at a time as they come into view.
{
  const times = [];
  for (let i = 0; i < 5; i++) {
    await load("#/", ".task-row[data-task]");
    const start = performance.now();
    await page
      .locator(".vscroll")
      .first()
      .evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
    const lastTask = await page.evaluate(
      async () => (await (await fetch("/api/tasks?limit=1&offset=100000")).json()).total,
    );
    await page.locator(".task-row[data-task]").last().waitFor();
    await page.waitForFunction(
      (n) =>
        [...document.querySelectorAll(".task-row[data-task]")].some(
          (r) => r.style.top === `${(n - 1) * 32}px`,
        ),
      lastTask,
    );
    times.push(performance.now() - start);
  }
  pages["overview: scroll task list to the end"] = { median_ms: ms(median(times)) };
}
await measure(
  `tree page, typical tree (${typical.n} nodes)`,
  `#/tree/${encodeURIComponent(typicalTask)}`,
  ".tree-svg .node",
);
const someTrajectory = catalog.trajectories[1234 % trajectories].id;
await measure("trajectory page", `#/trajectory/${encodeURIComponent(someTrajectory)}`, ".msg.assistant");
if (bigTask)
  await measure(
    `tree page, task sampled 40 times (${bigNodes} nodes)`,
    `#/tree/${encodeURIComponent(bigTask)}`,
    ".tree-svg .node",
  );
await measure("pairs page", "#/pairs", ".pair-row[data-id]");
await measure("tree page, 10,000-node tree", "#/tree/synthetic-10000", ".tree-svg .node", 3);
// The whole 10,000-node tree: expand all (every node drawn), then fit.
{
  const times = [];
  for (let i = 0; i < 3; i++) {
    await load("#/tree/synthetic-10000", ".tree-svg .node");
    const start = performance.now();
    await page.click("button:text-is('expand all')");
    await page.waitForFunction(() => document.querySelectorAll(".tree-svg .node").length === 10000);
    await page.click("button:text-is('fit')");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    times.push(performance.now() - start);
  }
  pages["10,000-node tree: expand all and fit"] = { median_ms: ms(median(times)) };
}
// Clicking a critical node on the big tree until its pair is shown.
if (bigTask) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    await load(`#/tree/${encodeURIComponent(bigTask)}`, ".tree-svg .node");
    const start = performance.now();
    await page
      .locator('.tree-svg .node[data-critical="1"] circle:not(.crit-ring)')
      .first()
      .click({ force: true });
    await page.locator("#pair-inline .pair-view, #node-pairs p").first().waitFor();
    times.push(performance.now() - start);
  }
  pages["tree: click critical node to pair shown"] = { median_ms: ms(median(times)) };
}
await context.close();
await server.close();

const kept = { pairs: catalog.pairs.length, duplicates: catalog.duplicates };
const tasks = new Set(catalog.trajectories.map((t) => t.task_id)).size;
const trees = catalog.treeTasks.length;
const result = {
  trajectories,
  duplicates: kept.duplicates,
  run_mb: Math.round(runBytes / 1048576),
  tasks,
  pairs: kept.pairs,
  trees,
  index: {
    median_ms: ms(median(indexTimes)),
    summaries_json_mb: Math.round(summaryMb * 10) / 10,
    mb_per_s: Math.round(runBytes / 1048576 / (median(indexTimes) / 1000)),
  },
  api: apiTimes,
  pages,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(here, "results"), { recursive: true });
(await import("node:fs")).writeFileSync(
  join(here, "results", "view.json"),
  `${JSON.stringify(result, null, 2)}\n`,
);
