import { join } from "node:path";
import { AtomicWriter, writeFileAtomic } from "../io/atomic.js";
import { safeFileName } from "../io/names.js";
import { checkInputFiles, ensureOutputDir, ensureOutputFile, refuseOutputAmongInputs } from "../io/paths.js";
import type { ActionKeyOptions } from "../schema/action-key.js";
import { TREE_SCHEMA_VERSION } from "../tree/file.js";
import type { TreeOptions } from "../tree/tree.js";
import { SEALIGN_VERSION } from "../version.js";
import { type AnalyseOptions, resolveAnalyseOptions } from "./analyse.js";
import type { CriticalOptions } from "./critical.js";
import type { TaskResult } from "./engine.js";
import type { FilterOptions } from "./filters.js";
import { type CorpusOptions, type CorpusSummary, runCorpus } from "./run.js";
import { type TaskStats, type TreeCorpusStats, treeCorpusStats } from "./stats.js";

/**
 * The library form of `sealign tree` and `sealign pairs`: the corpus engine (run.ts) over the
 * trajectory files, its per-task output written atomically, and the statistics. The commands
 * only turn flags into these options and print the result. They live here, beside the engine,
 * rather than in src/tree/: the tree folder is below this one (keys, merging, scores) and must
 * not import the engine back.
 *
 * Input and output paths are checked first (InputError, before any worker starts); their
 * messages name the CLI flags (`--output`, `--ablation`) that these options stand for.
 */

/** What `writeTrees` and `writePairs` share: which trajectories go in, and how they are read. */
export interface CorpusStageOptions {
  /** Merge, filter and critical-decision settings; unset fields take the defaults of docs/tree.md. */
  analyse?: {
    tree?: TreeOptions & ActionKeyOptions;
    filters?: FilterOptions;
    critical?: CriticalOptions;
  };
  /** Pass over bad records, counted in the summary, instead of stopping at the first. */
  skipInvalid?: boolean;
  /** `light`: the structural record check of light.ts instead of full schema validation (`--fast`). */
  validation?: "full" | "light";
  /** Worker threads (0: none; default: all cores). */
  workers?: number;
  /** Input order (default `auto`: try sorted by task, fall back to indexed). */
  order?: "auto" | "sorted" | "unsorted";
  /** Called after each job with the bytes read so far. */
  onProgress?: CorpusOptions["onProgress"];
}

/** One task's line in a trees folder's index.json. */
export interface TreeIndexEntry {
  task_id: string;
  /** The tree's file name in the folder. */
  file: string;
  trajectories: number;
  nodes: number;
  critical_nodes: number;
}

/** Provenance recorded in every tree, pair and statistics file of a run. */
export interface StageProvenance {
  tool: "sealign tree" | "sealign pairs";
  sealign_version: string;
  inputs: string[];
  options: ReturnType<typeof resolveAnalyseOptions>;
}

/** What a corpus stage did: the figures and how the input was read. */
export interface CorpusStageResult {
  stats: TreeCorpusStats;
  summary: CorpusSummary;
  provenance: StageProvenance;
}

export interface WriteTreesOptions extends CorpusStageOptions {
  /** The folder for DIR/<task>.json and DIR/index.json (created if missing). */
  out: string;
}

export interface WriteTreesResult extends CorpusStageResult {
  out: string;
  /** The index entries, in input order. */
  tasks: TreeIndexEntry[];
}

export interface WritePairsOptions extends CorpusStageOptions {
  /** The pairs JSONL (sealign.pair/1) to write; its statistics go to `<out>.stats.json`. */
  out: string;
  /** Which sibling pairs a decision yields and at most how many (critical options of pairs only). */
  pairs?: Pick<CriticalOptions, "pairs" | "maxPerNode">;
  /** Also write trajectory-level pairs (successful vs failed whole runs) to this file. */
  ablation?: { out: string; maxPerTask?: number | null } | null;
}

export interface WritePairsResult extends CorpusStageResult {
  out: string;
  statsPath: string;
  ablation: string | null;
}

/** The file name of a task's tree: the task id where it is safe as a name, else cleaned plus a hash. */
export function treeFileName(taskId: string): string {
  return `${safeFileName(taskId, 120)}.json`;
}

function engineOptions(options: CorpusStageOptions) {
  return {
    skipInvalid: options.skipInvalid === true,
    validation: options.validation ?? "full",
    workers: options.workers,
    order: options.order,
    onProgress: options.onProgress,
  };
}

function provenanceOf(tool: StageProvenance["tool"], files: string[], analyse: AnalyseOptions) {
  return { tool, sealign_version: SEALIGN_VERSION, inputs: files, options: resolveAnalyseOptions(analyse) };
}

/**
 * Merge each task's scored trajectories into a tree: `out/<task>.json` (sealign.tree/1) and
 * `out/index.json`, written last, so that its presence marks a complete folder.
 */
export async function writeTrees(files: string[], options: WriteTreesOptions): Promise<WriteTreesResult> {
  await checkInputFiles(files);
  await ensureOutputDir(options.out, "--output");
  const analyse: AnalyseOptions = { ...options.analyse };
  const provenance = provenanceOf("sealign tree", files, analyse);
  let stats: TaskStats[] = [];
  let tasks: TreeIndexEntry[] = [];
  const summary = await runCorpus(
    files,
    {
      ...engineOptions(options),
      analyse: { ...analyse, provenance },
      output: { pairs: false, ablation: false, tree: true },
    },
    {
      async task(result: TaskResult) {
        stats.push(result.stats);
        const file = treeFileName(result.taskId);
        await writeFileAtomic(join(options.out, file), `${result.tree}\n`);
        tasks.push({
          task_id: result.taskId,
          file,
          trajectories: result.stats.kept,
          nodes: result.stats.nodes,
          critical_nodes: result.stats.critical_nodes,
        });
      },
      reset() {
        stats = [];
        tasks = [];
      },
    },
  );
  const corpus = treeCorpusStats(stats);
  await writeFileAtomic(
    join(options.out, "index.json"),
    `${JSON.stringify(
      {
        schema_version: "sealign.tree-index/1",
        tree_schema_version: TREE_SCHEMA_VERSION,
        tasks,
        stats: corpus,
        input_order: summary.order,
        skipped: summary.skipped.reasons,
        provenance,
      },
      null,
      2,
    )}\n`,
  );
  return { out: options.out, tasks, stats: corpus, summary, provenance };
}

/**
 * Critical-action preference pairs (sealign.pair/1) from the task trees: `out`, its figures in
 * `<out>.stats.json`, and with `ablation` the trajectory-level pairs. Every file is written to a
 * temporary name and renamed on success, so a failed run leaves no partial output.
 */
export async function writePairs(files: string[], options: WritePairsOptions): Promise<WritePairsResult> {
  const ablationFile = options.ablation?.out ?? null;
  await checkInputFiles(files);
  await refuseOutputAmongInputs(options.out, files, "--output");
  await ensureOutputFile(options.out, "--output");
  if (ablationFile !== null) {
    await refuseOutputAmongInputs(ablationFile, [...files, options.out], "--ablation");
    await ensureOutputFile(ablationFile, "--ablation");
  }
  const base = options.analyse ?? {};
  const analyse: AnalyseOptions = {
    ...base,
    critical: {
      ...base.critical,
      pairs: options.pairs?.pairs ?? "all",
      maxPerNode: options.pairs?.maxPerNode ?? null,
    },
    ablation: options.ablation ? { maxPerTask: options.ablation.maxPerTask ?? null } : null,
  };
  const provenance = provenanceOf("sealign pairs", files, analyse);
  let pairsOut = new AtomicWriter(options.out);
  let ablationOut = ablationFile !== null ? new AtomicWriter(ablationFile) : null;
  let stats: TaskStats[] = [];
  try {
    const summary = await runCorpus(
      files,
      {
        ...engineOptions(options),
        analyse: { ...analyse, provenance },
        output: { pairs: true, ablation: ablationOut !== null, tree: false },
      },
      {
        async task(result: TaskResult) {
          stats.push(result.stats);
          if (result.pairs) await pairsOut.write(result.pairs);
          if (ablationOut && result.ablation) await ablationOut.write(result.ablation);
        },
        // The run starts over (auto order found unsorted input): drop what was written so far.
        async reset() {
          stats = [];
          await pairsOut.abort();
          pairsOut = new AtomicWriter(options.out);
          if (ablationOut && ablationFile !== null) {
            await ablationOut.abort();
            ablationOut = new AtomicWriter(ablationFile);
          }
        },
      },
    );
    await pairsOut.commit();
    await ablationOut?.commit();
    const corpus = treeCorpusStats(stats);
    const statsPath = `${options.out}.stats.json`;
    await writeFileAtomic(
      statsPath,
      `${JSON.stringify({ stats: corpus, input_order: summary.order, skipped: summary.skipped.reasons, provenance }, null, 2)}\n`,
    );
    return { out: options.out, statsPath, ablation: ablationFile, stats: corpus, summary, provenance };
  } catch (error) {
    await pairsOut.abort();
    await ablationOut?.abort();
    throw error;
  }
}
