// Runtime benchmark, images and validation part (docs/runtime.md): for the shared SWE-bench
// instances built by `sealign images build` (run it first; this benchmark builds nothing):
// - disk per instance image with shared layers counted once (base, python, env, instance), and
//   the build time each layer recorded when it was built (its image's creation time minus its
//   parent's is not a build time, so the time is taken from `sealign images build --report` when
//   RUNTIME_BENCH_BUILD_REPORT names one);
// - validations per minute of the gold patch of one instance, three ways, medians over
//   RUNTIME_BENCH_REPS (default 3): a warm container reused across patches (sealign's default),
//   a fresh container per patch (--fresh-containers), and the harness's way (a fresh container
//   per patch and a fresh Python process grading each log, as run_evaluation's run_instance does);
// - ratios against the paper's ~5 minutes and ~1 TB per sample.
// Figures: written to bench/results/runtime.json (the "validation" section; other sections kept).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import {
  DockerRuntime,
  HarnessServer,
  harnessGrade,
  instanceImageName,
  TaskSchema,
  validateInContainer,
  WarmContainers,
} from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.SEALIGN_SHARED_DATA ?? join(here, "..", "..", "shared", "data");
const REPS = Number(process.env.RUNTIME_BENCH_REPS ?? 3);
const ID = process.env.RUNTIME_BENCH_INSTANCE ?? "pylint-dev__astroid-1268";
const IDS = [
  "pytest-dev__pytest-11143",
  "pylint-dev__astroid-1268",
  "pydicom__pydicom-1194",
  "pydicom__pydicom-1458",
];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const docker = new Docker();
try {
  await docker.ping();
} catch (error) {
  console.error(
    `runtime-validation bench: no Docker daemon answers (${error.message}); start one with scripts/setup-docker.sh`,
  );
  process.exit(1);
}

// --- disk: every image of the chain once
const rows = [
  ...JSON.parse(readFileSync(join(shared, "swe-bench-dev-sample.json"), "utf8")),
  ...JSON.parse(readFileSync(join(shared, "swe-bench-lite-sample.json"), "utf8")),
];
const layers = new Map();
const perInstance = [];
for (const id of IDS) {
  const chain = [];
  const ref = instanceImageName(id);
  let info;
  try {
    info = await docker.getImage(ref).inspect();
  } catch {
    console.error(
      `runtime-validation bench: ${ref} is missing; build it: sealign images build --tasks <tasks> --repos <clones>`,
    );
    process.exit(1);
  }
  while (info) {
    chain.push(info);
    info = info.Parent
      ? await docker
          .getImage(info.Parent)
          .inspect()
          .catch(() => null)
      : null;
  }
  // the layers are the chain's tagged images (a build's intermediate images have no tag and
  // inherit their parent's labels)
  const labelled = chain.filter((i) => (i.RepoTags ?? []).length > 0);
  for (let k = 0; k < labelled.length; k++) {
    const img = labelled[k];
    const parent = labelled[k + 1];
    const own = parent ? img.Size - parent.Size : img.Size;
    layers.set(img.Id, { layer: parent ? (img.Config?.Labels?.["sealign.layer"] ?? "other") : "base", own });
  }
  perInstance.push({
    instance_id: id,
    image_mb: round(labelled[0].Size / 1e6),
    own_mb: round((labelled[0].Size - (labelled[1]?.Size ?? 0)) / 1e6),
  });
}
const totalBytes = [...layers.values()].reduce((a, l) => a + l.own, 0);
const byLayer = {};
for (const l of layers.values()) byLayer[l.layer] = round((byLayer[l.layer] ?? 0) + l.own / 1e6);

let buildTimes = null;
if (process.env.RUNTIME_BENCH_BUILD_REPORT && existsSync(process.env.RUNTIME_BENCH_BUILD_REPORT)) {
  const report = JSON.parse(readFileSync(process.env.RUNTIME_BENCH_BUILD_REPORT, "utf8"));
  buildTimes = report.layers.map((l) => ({
    image: l.image,
    layer: l.layer,
    built: l.built,
    seconds: round(l.durationMs / 1000),
  }));
}

// --- validations per minute, three ways (RUNTIME_BENCH_REPS=0: disk only)
const warmS = [];
const freshS = [];
const harnessS = [];
if (REPS > 0) {
  const task = TaskSchema.parse(rows.find((r) => r.instance_id === ID));
  const runtime = new DockerRuntime({ pull: false, runId: "bench-validation" });
  const base = await runtime.prepare(task);
  const server = new HarnessServer();
  const spec = (await server.spec([{ instance: task, eval_only: true }])).answers[0].value;
  const once = async (containers, harness) => {
    const t = performance.now();
    const r = await validateInContainer(task, task.patch, base, {
      timeoutMs: 1_800_000,
      containers,
      harness,
      spec,
    });
    if (r.report.resolution !== "RESOLVED_FULL")
      throw new Error(`gold patch not resolved: ${r.report.error ?? r.report.resolution}`);
    return { seconds: (performance.now() - t) / 1000, log: r.harnessLog };
  };
  const warm = new WarmContainers(runtime, true);
  await once(warm, server); // the first one opens the container: not a warm figure
  for (let i = 0; i < REPS; i++) warmS.push((await once(warm, server)).seconds);
  await warm.close();
  for (let i = 0; i < REPS; i++)
    freshS.push((await once(new WarmContainers(runtime, false), server)).seconds);
  // the harness's way: a fresh container per patch, and a fresh Python process per grading
  for (let i = 0; i < REPS; i++) {
    const r = await once(new WarmContainers(runtime, false), server);
    const tGrade = performance.now();
    await harnessGrade([{ instance: task, log: r.log, model_patch: task.patch }]);
    harnessS.push(r.seconds + (performance.now() - tGrade) / 1000);
  }
  await server.close();
  await runtime.sweep();
}

const perMin = (s) => (s.length ? round(60 / median(s), 2) : null);
const med = (s) => (s.length ? round(median(s), 2) : null);
const ratio = (x, y) => (x.length && y.length ? round(median(x) / median(y), 2) : null);
const validation = {
  instance: ID,
  reps: REPS,
  disk: { total_mb_shared_once: round(totalBytes / 1e6), by_layer_mb: byLayer, per_instance: perInstance },
  build_times: buildTimes,
  seconds_per_validation: {
    warm: med(warmS),
    fresh: med(freshS),
    harness_way: med(harnessS),
  },
  validations_per_minute: { warm: perMin(warmS), fresh: perMin(freshS), harness_way: perMin(harnessS) },
  ratios: {
    warm_vs_harness_way: ratio(harnessS, warmS),
    fresh_vs_harness_way: ratio(harnessS, freshS),
    paper_5min_vs_warm: warmS.length ? round(300 / median(warmS), 1) : null,
    paper_1TB_vs_disk_per_instance: round(1e12 / (totalBytes / IDS.length), 0),
  },
  measured_at: new Date().toISOString(),
};
console.log(JSON.stringify(validation, null, 2));
const out = join(here, "results", "runtime.json");
mkdirSync(dirname(out), { recursive: true });
const previous = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};
// a disk-only run keeps the validation figures of the last full run
const merged =
  REPS > 0 || !previous.validation
    ? validation
    : { ...previous.validation, disk: validation.disk, disk_measured_at: validation.measured_at };
writeFileSync(out, `${JSON.stringify({ ...previous, validation: merged }, null, 2)}\n`);
