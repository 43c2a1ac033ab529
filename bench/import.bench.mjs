// Import throughput: a generated message-row corpus (default 1 GB) through `importFile`
// (read -> detect -> convert -> validate) and the atomic JSONL writer, as `sealign import`
// runs it. Reports MB/s (median of 3 runs) and, for comparison, a plain line split + JSON.parse
// of the same file.
//   node bench/import.bench.mjs [SIZE_MB]   (SEALIGN_BENCH_IMPORT_MB also works)

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { importFiles } from "../dist/importers/index.js";
import { readLines } from "../dist/io/lines.js";

const here = dirname(fileURLToPath(import.meta.url));
const sizeMb = Number(process.argv[2] ?? process.env.SEALIGN_BENCH_IMPORT_MB ?? 1024);
const dataDir = join(here, ".data");
mkdirSync(dataDir, { recursive: true });
const corpus = join(dataDir, `message-rows-${sizeMb}mb.jsonl`);
if (!existsSync(corpus)) {
  console.log(`generating ${sizeMb} MB corpus...`);
  const gen = spawnSync(process.execPath, [join(here, "gen-message-rows.mjs"), corpus, String(sizeMb)], {
    stdio: "inherit",
  });
  if (gen.status !== 0) process.exit(1);
}
const bytes = statSync(corpus).size;
const mb = bytes / 1048576;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const parseTimes = [];
const importTimes = [];

let count = 0;
const out = join(dataDir, "import-bench-out.jsonl");
for (let run = 0; run < 3; run++) {
  parseTimes.push(
    await time(async () => {
      for await (const { text } of readLines(corpus)) JSON.parse(text);
    }),
  );
  importTimes.push(
    await time(async () => {
      const [result] = await importFiles([corpus], out, { from: "message-rows" });
      count = result.trajectories;
    }),
  );
  globalThis.gc?.();
}
rmSync(out, { force: true });
const parse = median(parseTimes);
const imp = median(importTimes);
console.log(`corpus: ${mb.toFixed(0)} MB, ${count} trajectories`);
console.log(
  `plain line split + JSON.parse: ${(mb / parse).toFixed(0)} MB/s (median of 3: ${parseTimes.map((t) => t.toFixed(1)).join(", ")} s)`,
);
console.log(
  `sealign import (detect, convert, validate, write): ${(mb / imp).toFixed(0)} MB/s, ${(count / imp).toFixed(0)} trajectories/s (median of 3: ${importTimes.map((t) => t.toFixed(1)).join(", ")} s)`,
);
console.log(`import / raw parse time ratio: ${(imp / parse).toFixed(2)}x`);
