import { z } from "zod";

/**
 * `lora:` in train.yaml: train LoRA adapters (TRL's `peft_config`, built by TRL's scripts from
 * these ModelConfig fields) instead of all weights, for the 14B-32B models that do not fit a full
 * fine-tune. `load_in_4bit` makes it QLoRA (bitsandbytes, CUDA only). With `merge` (default) each
 * stage's adapter is merged into its base by python/merge_lora.py into `<output_dir>/<stage>-merged/`,
 * which the next stage starts from (DPO's reference is then the merged SFT model: TRL disables
 * the adapter for the reference pass) and which is converted to GGUF.
 */
export const LoraSchema = z
  .object({
    r: z.number().int().positive().default(16),
    alpha: z.number().positive().default(32),
    dropout: z.number().min(0).max(1).default(0.05),
    /** "all-linear" (PEFT's shorthand) or module names such as [q_proj, v_proj]. */
    target_modules: z
      .union([z.literal("all-linear"), z.array(z.string().min(1)).min(1)])
      .default("all-linear"),
    /** QLoRA: the base in 4-bit NF4 (bitsandbytes on a CUDA GPU). */
    load_in_4bit: z.boolean().default(false),
    merge: z.boolean().default(true),
  })
  .strict();
export type LoraConfig = z.infer<typeof LoraSchema>;

/** The TRL ModelConfig fields for a LoRA stage (written into the stage's TRL YAML). */
export function loraTrlFields(lora: LoraConfig): Record<string, unknown> {
  return {
    use_peft: true,
    lora_r: lora.r,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    lora_target_modules: lora.target_modules,
    lora_task_type: "CAUSAL_LM",
    ...(lora.load_in_4bit
      ? { load_in_4bit: true, bnb_4bit_quant_type: "nf4", use_bnb_nested_quant: true }
      : {}),
  };
}
