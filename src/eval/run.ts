import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { barChart } from "../charts/bar.js";
import { histogram } from "../charts/histogram.js";
import { svgToPng } from "../charts/png.js";
import { InputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { SkipLog } from "../io/skip-log.js";
import { readTrajectories } from "../trajectories/read.js";
import { SEALIGN_VERSION } from "../version.js";
import { type Comparison, compareRuns } from "./compare.js";
import { comparisonMarkdown, perTaskMarkdown } from "./markdown.js";
import {
  RATE_KEYS,
  RATE_LABELS,
  type RunMetrics,
  runMetrics,
  type TrajectoryMetrics,
  trajectoryMetrics,
} from "./metrics.js";

/**
 * The trajectories file of a run: the path itself when it is a file; for a folder, the
 * validated trajectories (FOLDER/validated/trajectories.jsonl, what `sealign validate RUN -o
 * RUN/validated` writes) when present, else FOLDER/trajectories.jsonl (a collect run, or a
 * validate output folder).
 */
export function runTrajectoriesFile(path: string): string {
  if (!existsSync(path)) throw new InputError("no such run (file or folder)", { file: path });
  if (!statSync(path).isDirectory()) return path;
  for (const candidate of [join(path, "validated", "trajectories.jsonl"), join(path, "trajectories.jsonl")]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new InputError("run folder has no trajectories.jsonl (nor validated/trajectories.jsonl)", {
    file: path,
  });
}

/**
 * A run's display name: its folder's name (`runs/base` -> "base"; a `trajectories.jsonl` file is
 * named by the folder it is in), else the file's name. Two runs of one model are then told apart;
 * the model stays in eval.json's per-run source.
 */
async function defaultName(path: string): Promise<string> {
  const full = resolve(path);
  const dir = existsSync(full) && statSync(full).isDirectory();
  const stem = basename(full).replace(/\.(jsonl|ndjson)(\.gz|\.zst|\.zstd)?$/, "");
  if (dir || stem !== "trajectories")
    return basename(full).replace(/\.(jsonl|ndjson)(\.gz|\.zst|\.zstd)?$/, "");
  // run/validated/trajectories.jsonl: the run folder, not "validated".
  const parent = dirname(full);
  return basename(parent) === "validated" ? basename(dirname(parent)) : basename(parent);
}

/**
 * A warning when runs compared with the baseline do not share its tasks: deltas over disjoint
 * task sets compare different problems, not different models.
 */
export function taskOverlapWarnings(runs: readonly RunMetrics[]): string[] {
  const [baseline, ...others] = runs;
  if (!baseline) return [];
  const base = new Set(Object.keys(baseline.tasks));
  const warnings: string[] = [];
  for (const run of others) {
    const tasks = Object.keys(run.tasks);
    const shared = tasks.filter((t) => base.has(t)).length;
    if (shared === 0)
      warnings.push(
        `runs ${baseline.name} and ${run.name} share no task (${base.size} and ${tasks.length} tasks): their deltas compare different tasks`,
      );
    else if (shared < Math.max(base.size, tasks.length))
      warnings.push(
        `runs ${baseline.name} and ${run.name} share ${shared} of their tasks (${base.size} and ${tasks.length}): deltas mix in tasks only one of them ran`,
      );
  }
  return warnings;
}

export async function loadRun(
  path: string,
  name?: string,
  options: { skipInvalid?: boolean } = {},
): Promise<{ run: RunMetrics; skipped: SkipLog }> {
  const file = runTrajectoriesFile(path);
  const skipped = new SkipLog();
  const items: TrajectoryMetrics[] = [];
  for await (const t of readTrajectories(file, { skipInvalid: options.skipInvalid }, skipped))
    items.push(trajectoryMetrics(t));
  if (items.length === 0) throw new InputError("no trajectories in run", { file });
  return { run: runMetrics(name ?? (await defaultName(path)), resolve(file), items), skipped };
}

export interface EvalOptions {
  runs: string[];
  /** A baseline run to compare the others with (added first when not among `runs`). */
  compare?: string;
  /** Display names, in the order of [compare?, ...runs]. */
  names?: string[];
  out: string;
  /** Write PNG beside each SVG chart (default true). */
  png?: boolean;
  skipInvalid?: boolean;
  /** Add every task's figures to the Markdown (always in eval.json). */
  perTask?: boolean;
}

export interface EvalResult {
  comparison: Comparison;
  /** Runs whose task sets do not match the baseline's (see taskOverlapWarnings). */
  warnings: string[];
  runs: RunMetrics[];
  markdown: string;
  files: string[];
}

/** Make display names unique ("model", "model #2"). */
function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} #${k}`;
  });
}

/** The eval charts: rates side by side, and how many turns the runs' trajectories took. */
export function evalCharts(runs: RunMetrics[]): { name: string; svg: string }[] {
  const rates = barChart({
    title: "Rates per run",
    categories: RATE_KEYS.map((k) => RATE_LABELS[k]),
    series: runs.map((r) => ({ name: r.name, values: RATE_KEYS.map((k) => r.overall.rates[k]) })),
    yLabel: "share",
    percent: true,
  });
  const turns = histogram({
    title: "Turns per trajectory",
    series: runs.map((r) => ({ name: r.name, values: r.turns })),
    xLabel: "turns",
  });
  return [
    { name: "rates", svg: rates },
    { name: "turns", svg: turns },
  ];
}

/**
 * `sealign eval`: measure runs the paper's way, compare them against a baseline, and write
 * OUT/eval.json, OUT/eval.md and the charts (OUT/rates.svg|png, OUT/turns.svg|png).
 */
export async function evaluate(options: EvalOptions): Promise<EvalResult> {
  const paths = options.compare
    ? [options.compare, ...options.runs.filter((r) => r !== options.compare)]
    : options.runs;
  if (paths.length === 0) throw new InputError("give at least one run");
  const loaded = [];
  for (const [i, path] of paths.entries()) loaded.push(await loadRun(path, options.names?.[i], options));
  const names = uniqueNames(loaded.map((l) => l.run.name));
  const runs = loaded.map((l, i) => ({ ...l.run, name: names[i]! }));
  const comparison = compareRuns(runs, runs[0]!.name);
  const markdown = comparisonMarkdown(comparison) + (options.perTask ? `\n${perTaskMarkdown(runs)}` : "");
  const files: string[] = [];
  const out = resolve(options.out);
  const write = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(join(out, name), data);
    files.push(join(out, name));
  };
  await write(
    "eval.json",
    `${JSON.stringify(
      {
        schema_version: "sealign.eval/1",
        sealign_version: SEALIGN_VERSION,
        created_at: new Date().toISOString(),
        comparison,
        runs: runs.map(({ turns: _turns, ...rest }) => rest),
        skipped: Object.fromEntries(loaded.map((l, i) => [names[i], l.skipped.reasons])),
      },
      null,
      2,
    )}\n`,
  );
  await write("eval.md", `# sealign eval\n\n${markdown}`);
  for (const chart of evalCharts(runs)) {
    await write(`${chart.name}.svg`, chart.svg);
    if (options.png !== false) await write(`${chart.name}.png`, svgToPng(chart.svg));
  }
  return { comparison, warnings: taskOverlapWarnings(runs), runs, markdown, files };
}
