import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { TrainConfig } from "./config.js";
import { loraTrlFields } from "./lora.js";

/**
 * The YAML TRL's `sft` / `dpo` scripts read: the stage's trainer config plus the model and the
 * dataset. sealign's defaults come first and the user's `args` override them.
 */
export type Stage = "sft" | "dpo";

/** The newest `checkpoint-N` folder under a stage's output (the resume point), or null. */
export function latestCheckpoint(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const steps = readdirSync(dir)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .filter((m) => existsSync(join(dir, m[0], "trainer_state.json")))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const last = steps.at(-1);
  return last === undefined ? null : join(dir, `checkpoint-${last}`);
}

export function trlStageConfig(
  config: TrainConfig,
  stage: Stage,
  options: { model: string; outputDir: string; useCpu: boolean; resumeFrom: string | null },
): Record<string, unknown> {
  const s = config[stage];
  if (!s) throw new Error(`no ${stage} stage in the config`);
  const defaults: Record<string, unknown> = {
    logging_steps: 1,
    save_strategy: "steps",
    save_steps: config.save_steps,
    save_total_limit: 2,
    report_to: "none",
    seed: config.seed,
    data_seed: config.seed,
    include_num_input_tokens_seen: true,
    ...(stage === "sft" ? { assistant_only_loss: true } : {}),
    // fp32 on CPU: TRL defaults to bf16, which a CPU run refuses.
    ...(options.useCpu ? { use_cpu: true, bf16: false } : {}),
    ...(config.lora ? loraTrlFields(config.lora) : {}),
  };
  return {
    ...defaults,
    ...s.args,
    model_name_or_path: options.model,
    datasets: [{ path: "json", data_files: s.dataset, split: "train" }],
    output_dir: options.outputDir,
    ...(options.resumeFrom ? { resume_from_checkpoint: options.resumeFrom } : {}),
  };
}

export function trlConfigYaml(config: Record<string, unknown>): string {
  return `# Written by sealign train: TRL config for this stage (edit train.yaml, not this file).\n${stringify(config)}`;
}
