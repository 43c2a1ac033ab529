import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { DatasetCard } from "../export/card.js";
import { cardPaths } from "../export/run.js";
import { JsonlAppender } from "../io/append.js";
import { writeFileAtomic } from "../io/atomic.js";
import { SEALIGN_VERSION } from "../version.js";
import { accelerateConfigPath, accelerateConfigYaml, shippedConfigName } from "./accelerate-config.js";
import type { TrainConfig } from "./config.js";
import { checkTrainDataset } from "./dataset-check.js";
import { convertToGguf } from "./gguf.js";
import { type MetricRecord, parseMetricsLine, progressLine } from "./metrics.js";
import { pythonFile, venvDir } from "./paths.js";
import { choosePrefixSharing } from "./prefix-sharing.js";
import { runChecked, runProcess } from "./process.js";
import { type StageSummary, summariseStage, writeTrainReport } from "./report.js";
import { latestCheckpoint, type Stage, trlConfigYaml, trlStageConfig } from "./trl-config.js";
import { ensureTrainerVenv } from "./venv.js";

/**
 * `sealign train`: SFT, then DPO from the SFT checkpoint (which TRL also takes as the frozen
 * reference), each run by TRL's own script in the project's venv. Every stage writes its
 * checkpoints into `<output_dir>/<stage>/`; a stage that finished leaves a done marker and is
 * skipped on a rerun, one that crashed resumes from its newest checkpoint. Metrics stream into
 * `metrics.jsonl`; the report and loss curves are rewritten at the end; the final model is
 * converted to GGUF for the embedded provider.
 */
export interface TrainOptions {
  /** Progress lines (stderr in the CLI). */
  onProgress?: (line: string) => void;
  /** Every line the trainer prints (besides the log files). */
  onOutput?: (line: string, stage: Stage) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  outputDir: string;
  finalModel: string;
  gguf: string | null;
  summaries: Partial<Record<Stage, StageSummary | null>>;
  resumed: Partial<Record<Stage, string>>;
  skipped: Stage[];
  report: string;
}

interface Environment {
  versions: Record<string, string>;
  cuda: boolean;
  /** DeepSpeed importable (python/requirements-gpu.txt; not in the pinned CPU set). */
  deepspeed: boolean;
}

async function probeEnvironment(python: string): Promise<Environment> {
  const lines: string[] = [];
  await runChecked(
    "probing the trainer's environment",
    python,
    [
      "-c",
      "import importlib.metadata as m, importlib.util as u, json, torch; print(json.dumps({'versions': {p: m.version(p) for p in " +
        "['torch','trl','transformers','accelerate','datasets','peft']}, 'cuda': torch.cuda.is_available(), " +
        "'deepspeed': u.find_spec('deepspeed') is not None}))",
    ],
    { onLine: (line, stream) => stream === "stdout" && lines.push(line) },
  );
  return JSON.parse(lines.at(-1) ?? "{}") as Environment;
}

/**
 * TRL truncates at its `max_length` (default 1024), which would silently cut (SFT) or drop
 * (DPO) agent examples. Unless the stage's args set it, use the limit the dataset was exported
 * for (its card), or no limit when it was exported without one; warn when the args set a
 * smaller limit than the export fitted the data to.
 */
export function maxLengthFromCard(
  dataset: string,
  configured: unknown,
): { maxLength?: number | null; warning?: string } {
  const card = cardPaths(dataset).json;
  if (!existsSync(card)) {
    return configured === undefined
      ? { warning: `no dataset card beside ${dataset}: TRL's default max_length (1024) applies` }
      : {};
  }
  let parsed: DatasetCard;
  try {
    parsed = JSON.parse(readFileSync(card, "utf8")) as DatasetCard;
  } catch (error) {
    throw new InputError(`malformed JSON: ${(error as Error).message}`, { file: card });
  }
  const limit = parsed.max_length?.limit ?? null;
  if (configured === undefined) return { maxLength: limit };
  const longest = parsed.tokens?.per_example?.max ?? 0;
  if (typeof configured === "number" && configured < longest)
    return {
      warning: `max_length ${configured} is below the longest example (${longest} tokens, see ${card}): TRL will truncate or drop some`,
    };
  return {};
}

/**
 * The accelerate config file the stages run under, or null for one process: a name TRL ships, a
 * file, or one written from train.yaml's plan into `<output_dir>/accelerate.yaml`.
 */
async function resolveAccelerate(config: TrainConfig, env: Environment): Promise<string | null> {
  const plan = config.accelerate;
  if (plan === undefined) return null;
  const deepspeed = typeof plan === "string" ? /^zero\d$/.test(plan) : plan.strategy.startsWith("zero");
  if (deepspeed && !env.deepspeed)
    throw new Error(
      `accelerate: DeepSpeed is not installed in ${venvDir()}; on the GPU machine run ` +
        `${join(venvDir(), "bin", "pip")} install -r ${pythonFile("requirements-gpu.txt")}`,
    );
  if (typeof plan === "string") return accelerateConfigPath(plan);
  const file = join(config.output_dir, "accelerate.yaml");
  await writeFileAtomic(
    file,
    accelerateConfigYaml(plan, accelerateConfigPath(shippedConfigName(plan.strategy))),
  );
  return file;
}

/**
 * The model a LoRA stage hands on: its adapter merged into its base (python/merge_lora.py),
 * into `<output_dir>/<stage>-merged/`, once (a marker file in it says it is complete). Without
 * LoRA, or with `lora.merge: false`, the stage folder itself.
 */
async function mergedModel(
  config: TrainConfig,
  stage: Stage,
  stageDir: string,
  python: string,
  say: (line: string) => void,
): Promise<string> {
  if (!config.lora?.merge) return stageDir;
  const merged = join(config.output_dir, `${stage}-merged`);
  if (existsSync(join(merged, "sealign-merged.json"))) return merged;
  say(`${stage}: merging the LoRA adapter into its base -> ${merged}`);
  await runChecked(
    `merging the ${stage} LoRA adapter`,
    python,
    [pythonFile("merge_lora.py"), stageDir, merged],
    {
      env: { ...process.env, ...(existsSync(config.model) ? { HF_HUB_OFFLINE: "1" } : {}) },
    },
  );
  return merged;
}

function readMetrics(path: string): MetricRecord[] {
  if (!existsSync(path)) return [];
  const out: MetricRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      // A partial last line from a crash: JsonlAppender cuts it on the next open.
    }
  }
  return out;
}

export async function runTraining(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const say = options.onProgress ?? (() => {});
  const out = config.output_dir;
  // The datasets first: a wrong file is one clear line, not a traceback from TRL minutes later.
  for (const stage of ["sft", "dpo"] as const)
    if (config[stage]) await checkTrainDataset(config[stage]!.dataset, stage);
  await mkdir(join(out, "logs"), { recursive: true });
  const python = await ensureTrainerVenv({ onLine: (line) => say(`setup: ${line}`) });
  const env = await probeEnvironment(python);
  const useCpu = config.device === "cpu" || (config.device === "auto" && !env.cuda);
  const provenance = {
    sealign_version: SEALIGN_VERSION,
    config,
    trainer: env.versions,
    device: useCpu ? "cpu" : "cuda",
    seed: config.seed,
    started_at: new Date().toISOString(),
  };
  await writeFileAtomic(join(out, "run.json"), `${JSON.stringify(provenance, null, 2)}\n`);
  const { appender: metrics } = await JsonlAppender.open(join(out, "metrics.jsonl"));
  const accelerateFile = await resolveAccelerate(config, env);

  const stages = (["sft", "dpo"] as const).filter((s) => config[s] !== undefined);
  let model = config.model;
  const resumed: Partial<Record<Stage, string>> = {};
  const skipped: Stage[] = [];
  for (const stage of stages) {
    const stageDir = join(out, stage);
    const doneMarker = join(stageDir, ".sealign-done.json");
    if (existsSync(doneMarker)) {
      say(`${stage}: already done (${doneMarker}), skipped`);
      skipped.push(stage);
      model = await mergedModel(config, stage, stageDir, python, say);
      continue;
    }
    const resumeFrom = latestCheckpoint(stageDir);
    if (resumeFrom) {
      resumed[stage] = resumeFrom;
      say(`${stage}: resuming from ${resumeFrom}`);
    }
    const trlConfig = trlStageConfig(config, stage, { model, outputDir: stageDir, useCpu, resumeFrom });
    const fit = maxLengthFromCard(config[stage]!.dataset, config[stage]!.args.max_length);
    if (fit.maxLength !== undefined) trlConfig.max_length = fit.maxLength;
    if (fit.warning) say(`${stage}: ${fit.warning}`);
    const prefix =
      stage === "dpo" ? choosePrefixSharing(config.dpo!.dataset, config.dpo!.prefix_sharing) : null;
    if (prefix) {
      say(`dpo: prefix sharing ${prefix.enabled ? "requested" : "off"} (${prefix.why})`);
      // Reference log-probs once, before training, cached by TRL with the dataset: the frozen
      // reference model is then not held in memory during DPO.
      if (prefix.enabled && config.dpo!.args.precompute_ref_log_probs === undefined)
        trlConfig.precompute_ref_log_probs = true;
    }
    const yamlPath = join(out, `${stage}.trl.yaml`);
    await writeFileAtomic(yamlPath, trlConfigYaml(trlConfig));
    const script = [
      pythonFile("trl_train.py"),
      stage,
      "--config",
      yamlPath,
      ...(prefix?.enabled ? ["--prefix-sharing"] : []),
    ];
    const argv = accelerateFile
      ? ["-m", "accelerate.commands.launch", "--config_file", accelerateFile, ...script]
      : script;
    say(`${stage}: training (${useCpu ? "cpu" : "cuda"}; log ${join(out, "logs", `${stage}.log`)})`);
    const pending: Promise<void>[] = [];
    const result = await runProcess(python, argv, {
      env: {
        ...process.env,
        PYTHONUNBUFFERED: "1",
        TOKENIZERS_PARALLELISM: "false",
        ...(existsSync(model) ? { HF_HUB_OFFLINE: "1" } : {}),
      },
      logPath: join(out, "logs", `${stage}.log`),
      ...(config.timeout_minutes ? { timeoutMs: config.timeout_minutes * 60_000 } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line) => {
        options.onOutput?.(line, stage);
        if (line.startsWith("SEALIGN_NOTE ")) say(`${stage}: ${line.slice("SEALIGN_NOTE ".length)}`);
        const record = parseMetricsLine(line, stage);
        if (record) {
          pending.push(metrics.append(record));
          say(progressLine(record));
        }
      },
    });
    await Promise.all(pending);
    if (result.code !== 0) {
      const why = result.timedOut
        ? "timed out"
        : result.signal
          ? `was killed by ${result.signal}`
          : `exited with code ${result.code}`;
      throw new Error(
        `${stage} training ${why}; rerun the same command to resume from the last checkpoint.\n${result.tail.slice(-15).join("\n")}`,
      );
    }
    await writeFileAtomic(
      doneMarker,
      `${JSON.stringify({ finished_at: new Date().toISOString(), resumed_from: resumeFrom })}\n`,
    );
    model = await mergedModel(config, stage, stageDir, python, say);
  }

  const records = readMetrics(join(out, "metrics.jsonl"));
  const summaries: Partial<Record<Stage, StageSummary | null>> = {};
  for (const stage of stages) summaries[stage] = summariseStage(records, stage);
  await writeFileAtomic(
    join(out, "summary.json"),
    `${JSON.stringify({ summaries, resumed, skipped }, null, 2)}\n`,
  );
  await writeTrainReport(out, records, summaries, provenance);

  let gguf: string | null = null;
  if (config.gguf.enabled) {
    gguf = join(out, `model-${config.gguf.out_type}.gguf`);
    const marker = join(out, ".gguf-source.json");
    const source = JSON.stringify({ model, out_type: config.gguf.out_type });
    if (!existsSync(gguf) || !existsSync(marker) || readFileSync(marker, "utf8") !== source) {
      say(`gguf: converting ${model} -> ${gguf}`);
      await convertToGguf(model, gguf, { outType: config.gguf.out_type, python });
      await writeFileAtomic(marker, source);
    }
  }
  say(`done: report ${join(out, "report.md")}`);
  return {
    outputDir: out,
    finalModel: model,
    gguf,
    summaries,
    resumed,
    skipped,
    report: join(out, "report.md"),
  };
}
