import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { venvDir } from "./paths.js";

/**
 * `accelerate:` in train.yaml as a plan instead of a name: sealign writes the accelerate config
 * file itself (`<output_dir>/accelerate.yaml`), starting from the config TRL ships for the
 * strategy (so the DeepSpeed / FSDP settings are TRL's tested ones) and setting the process and
 * machine counts, precision and CPU offload from the plan. The stage then runs under
 * `accelerate launch --config_file` that file.
 */
export const ACCELERATE_STRATEGIES = ["ddp", "zero1", "zero2", "zero3", "fsdp1", "fsdp2"] as const;

export const AcceleratePlanSchema = z
  .object({
    strategy: z.enum(ACCELERATE_STRATEGIES),
    /** Processes (GPUs) in all, over all machines. */
    num_processes: z.number().int().positive(),
    num_machines: z.number().int().positive().default(1),
    /** Several machines: this one's rank and the main machine's address. */
    machine_rank: z.number().int().min(0).default(0),
    main_process_ip: z.string().min(1).optional(),
    main_process_port: z.number().int().positive().optional(),
    mixed_precision: z.enum(["no", "fp16", "bf16"]).default("bf16"),
    /** ZeRO-2: optimizer state on CPU; ZeRO-3: also parameters; FSDP: parameters. */
    offload: z.boolean().default(false),
  })
  .strict()
  .superRefine((plan, ctx) => {
    if (plan.num_machines > 1 && !plan.main_process_ip)
      ctx.addIssue({
        code: "custom",
        path: ["main_process_ip"],
        message: "several machines need main_process_ip",
      });
    if (plan.offload && (plan.strategy === "ddp" || plan.strategy === "zero1"))
      ctx.addIssue({ code: "custom", path: ["offload"], message: `${plan.strategy} has no CPU offload` });
  });
export type AcceleratePlan = z.infer<typeof AcceleratePlanSchema>;

/** The TRL-shipped config a strategy starts from (trl/accelerate_configs/<name>.yaml). */
export function shippedConfigName(strategy: AcceleratePlan["strategy"]): string {
  return strategy === "ddp" ? "multi_gpu" : strategy;
}

/** The accelerate config YAML for a plan, from TRL's shipped file for its strategy. */
export function accelerateConfigYaml(plan: AcceleratePlan, shippedFile: string): string {
  const config = parse(readFileSync(shippedFile, "utf8")) as Record<string, unknown>;
  config.num_processes = plan.num_processes;
  config.num_machines = plan.num_machines;
  config.machine_rank = plan.machine_rank;
  config.mixed_precision = plan.mixed_precision;
  if (plan.main_process_ip) config.main_process_ip = plan.main_process_ip;
  if (plan.main_process_port) config.main_process_port = plan.main_process_port;
  if (plan.strategy.startsWith("zero")) {
    const ds = { ...(config.deepspeed_config as Record<string, unknown>) };
    ds.offload_optimizer_device = plan.offload ? "cpu" : "none";
    if (plan.strategy === "zero3") ds.offload_param_device = plan.offload ? "cpu" : "none";
    if (plan.num_machines > 1) ds.deepspeed_multinode_launcher = "standard";
    config.deepspeed_config = ds;
  }
  if (plan.strategy.startsWith("fsdp")) {
    const fsdp = { ...(config.fsdp_config as Record<string, unknown>) };
    fsdp.fsdp_offload_params = plan.offload;
    config.fsdp_config = fsdp;
  }
  return `# Written by sealign train from train.yaml's accelerate plan (${plan.strategy}), starting from ${shippedFile}\n${stringify(config)}`;
}

/** TRL's shipped accelerate configs are referred to by name; anything else is a file. */
export function accelerateConfigPath(name: string): string {
  if (existsSync(name)) return name;
  const lib = join(venvDir(), "lib");
  for (const version of existsSync(lib) ? readdirSync(lib) : []) {
    const file = join(lib, version, "site-packages", "trl", "accelerate_configs", `${name}.yaml`);
    if (existsSync(file)) return file;
  }
  throw new Error(`accelerate config "${name}" is neither a file nor one TRL ships`);
}
