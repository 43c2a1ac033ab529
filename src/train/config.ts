import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InputError } from "../errors.js";
import { firstIssue } from "../schema/zod-errors.js";
import { AcceleratePlanSchema } from "./accelerate-config.js";
import { GGUF_OUT_TYPES } from "./gguf.js";
import { LoraSchema } from "./lora.js";

/**
 * `sealign train --config train.yaml`: what to train, on what, and where. Paths are relative to
 * the config file. Each stage's `args` are TRL config fields (SFTConfig / DPOConfig, e.g.
 * learning_rate, num_train_epochs, max_steps, beta, loss_type, max_length,
 * precompute_ref_log_probs) written as they are into TRL's YAML.
 */
const TRL_MANAGED = ["model_name_or_path", "datasets", "output_dir", "resume_from_checkpoint"] as const;

const StageSchema = z
  .object({
    /** A TRL-format export (`sealign export sft|dpo --format trl`). */
    dataset: z.string().min(1),
    /** TRL config fields for this stage. */
    args: z.record(z.string(), z.unknown()).default({}),
    /**
     * DPO only: run each pair as one [prompt, chosen, rejected] sequence (python/prefix_sharing.py).
     * Default: on for sealign's DPO exports, off for other data.
     */
    prefix_sharing: z.boolean().optional(),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    /** Hugging Face model folder (or a hub id on a machine that can download). */
    model: z.string().min(1),
    /** Run folder: stage checkpoints, logs, metrics, report, GGUF. */
    output_dir: z.string().min(1),
    seed: z.number().int().default(42),
    /** cpu: force CPU (fp32); cuda: GPU; auto: GPU when torch sees one. */
    device: z.enum(["auto", "cpu", "cuda"]).default("auto"),
    /**
     * Scale-out: a config name TRL ships (multi_gpu, zero1, zero2, zero3, fsdp1, fsdp2,
     * single_gpu), an accelerate config file, or a plan ({strategy, num_processes, ...}) from
     * which sealign writes the accelerate config. Absent: one process.
     */
    accelerate: z.union([z.string().min(1), AcceleratePlanSchema]).optional(),
    /** LoRA / QLoRA adapters instead of full fine-tuning, for every stage present. */
    lora: LoraSchema.optional(),
    /** Save a checkpoint every this many steps (resume point after a crash). */
    save_steps: z.number().int().positive().default(50),
    sft: StageSchema.optional(),
    dpo: StageSchema.optional(),
    /** Convert the final checkpoint to GGUF for the embedded provider. */
    gguf: z
      .object({ enabled: z.boolean().default(true), out_type: z.enum(GGUF_OUT_TYPES).default("f16") })
      .strict()
      .default({ enabled: true, out_type: "f16" }),
    /** Kill a stage that runs longer than this. */
    timeout_minutes: z.number().positive().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.sft && !config.dpo)
      ctx.addIssue({ code: "custom", path: ["sft"], message: "give sft, dpo or both" });
    if (config.lora?.load_in_4bit && config.device === "cpu")
      ctx.addIssue({
        code: "custom",
        path: ["lora", "load_in_4bit"],
        message: "QLoRA (4-bit, bitsandbytes) needs a CUDA GPU; use device auto or cuda, or plain LoRA",
      });
    if (config.sft?.prefix_sharing !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["sft", "prefix_sharing"],
        message: "prefix_sharing is a DPO option",
      });
    for (const stage of ["sft", "dpo"] as const) {
      for (const key of TRL_MANAGED)
        if (config[stage]?.args[key] !== undefined)
          ctx.addIssue({ code: "custom", path: [stage, "args", key], message: `${key} is set by sealign` });
    }
  });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

const HUB_ID = /^[A-Za-z0-9][\w-]*(\.[\w-]+)*\/[A-Za-z0-9][\w.-]*$/;

/** Read, validate and resolve a train.yaml (paths become absolute). */
export function loadTrainConfig(path: string): TrainConfig {
  if (!existsSync(path)) throw new InputError("config file not found", { file: path });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError(`malformed YAML: ${(error as Error).message}`, { file: path });
  }
  return resolveTrainConfig(raw, path);
}

/** Validate a config object; relative paths are taken from `configPath`'s folder. */
export function resolveTrainConfig(raw: unknown, configPath: string): TrainConfig {
  const result = TrainConfigSchema.safeParse(raw);
  if (!result.success) {
    const { field, message } = firstIssue(result.error);
    throw new InputError(`invalid train config: ${message}`, { file: configPath, field: field || undefined });
  }
  const base = dirname(resolve(configPath));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const config = result.data;
  const local = existsSync(abs(config.model));
  const model = local ? abs(config.model) : config.model;
  if (!local && !HUB_ID.test(config.model))
    throw new InputError("model folder not found", { file: configPath, field: "model" });
  const out: TrainConfig = { ...config, model, output_dir: abs(config.output_dir) };
  for (const stage of ["sft", "dpo"] as const) {
    const s = config[stage];
    if (!s) continue;
    const dataset = abs(s.dataset);
    if (!existsSync(dataset))
      throw new InputError(`dataset not found: ${dataset}`, { file: configPath, field: `${stage}.dataset` });
    out[stage] = { ...s, dataset };
  }
  if (typeof config.accelerate === "string" && /[/.]/.test(config.accelerate)) {
    const file = abs(config.accelerate);
    if (!existsSync(file))
      throw new InputError("accelerate config file not found", { file: configPath, field: "accelerate" });
    out.accelerate = file;
  }
  return out;
}
