import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportDpo, exportSft } from "../src/export/run.js";
import {
  type AcceleratePlan,
  AcceleratePlanSchema,
  accelerateConfigPath,
  accelerateConfigYaml,
} from "../src/train/accelerate-config.js";
import { resolveTrainConfig } from "../src/train/config.js";
import { runChecked } from "../src/train/process.js";
import { runTraining } from "../src/train/run.js";
import { ensureTrainerVenv } from "../src/train/venv.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { tempDir } from "./helpers/paths.js";
import { ensureTinyModel } from "./helpers/tiny-model.js";

/**
 * LoRA (TRL's peft_config) SFT then DPO on the tiny Qwen3 on CPU, each adapter merged into its
 * base; and the multi-GPU accelerate configs written from train.yaml, checked for shape with
 * accelerate's own config loader (no GPU here: they are not run).
 */
async function python(code: string, args: string[]): Promise<string[]> {
  const out: string[] = [];
  await runChecked("python check", await ensureTrainerVenv(), ["-c", code, ...args], {
    env: { ...process.env, HF_HUB_OFFLINE: "1" },
    onLine: (line, stream) => stream === "stdout" && out.push(line),
  });
  return out;
}

describe("LoRA training and multi-GPU configs", () => {
  let dir: string;
  let hfDir: string;
  beforeAll(async () => {
    dir = tempDir("sealign-train-lora-");
    hfDir = (await ensureTinyModel()).hfDir;
    const trajectories = fixtureTrajectories(4, { compact: true });
    writeJsonl(join(dir, "traj.jsonl"), trajectories);
    writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(trajectories));
    await exportSft([join(dir, "traj.jsonl")], {
      format: "trl",
      out: join(dir, "data", "sft.jsonl"),
      model: hfDir,
    });
    await exportDpo([join(dir, "pairs.jsonl")], {
      format: "trl",
      out: join(dir, "data", "dpo.jsonl"),
      model: hfDir,
      kinds: ["critical"],
    });
  }, 300_000);

  it("trains LoRA adapters for SFT and DPO, merges each into its base, and the merged model loads and answers", async () => {
    const config = resolveTrainConfig(
      {
        model: hfDir,
        output_dir: "run",
        device: "cpu",
        lora: { r: 4, alpha: 8, dropout: 0 },
        sft: { dataset: "data/sft.jsonl", args: { max_steps: 2, learning_rate: 1e-2 } },
        dpo: { dataset: "data/dpo.jsonl", args: { max_steps: 2, learning_rate: 1e-2, beta: 0.1 } },
        gguf: { enabled: false },
      },
      join(dir, "train.yaml"),
    );
    const progress: string[] = [];
    const env = process.env.HF_DATASETS_CACHE;
    process.env.HF_DATASETS_CACHE = join(dir, "hf-cache");
    let result: Awaited<ReturnType<typeof runTraining>>;
    try {
      result = await runTraining(config, { onProgress: (l) => progress.push(l) });
    } finally {
      if (env === undefined) delete process.env.HF_DATASETS_CACHE;
      else process.env.HF_DATASETS_CACHE = env;
    }
    const run = config.output_dir;
    for (const stage of ["sft", "dpo"]) {
      // The stage saved an adapter (not a full model), and its merge is a plain model folder.
      const adapter = JSON.parse(readFileSync(join(run, stage, "adapter_config.json"), "utf8"));
      expect(adapter.r).toBe(4);
      expect(existsSync(join(run, `${stage}-merged`, "model.safetensors"))).toBe(true);
      expect(existsSync(join(run, `${stage}-merged`, "adapter_config.json"))).toBe(false);
    }
    // DPO started from the merged SFT model (its reference: the adapter disabled).
    expect(readFileSync(join(run, "dpo.trl.yaml"), "utf8")).toContain(
      `model_name_or_path: ${join(run, "sft-merged")}`,
    );
    expect(readFileSync(join(run, "dpo.trl.yaml"), "utf8")).toContain("use_peft: true");
    expect(progress.join("\n")).toMatch(/dpo: prefix sharing on/);
    expect(result.finalModel).toBe(join(run, "dpo-merged"));
    expect(result.summaries.sft?.steps).toBe(2);
    expect(result.summaries.dpo?.last_margin as number).toBeGreaterThan(
      result.summaries.dpo?.first_margin as number,
    );
    // The merged weights moved away from the base (the adapter was trained and folded in), and the
    // merged model loads as a plain causal LM and generates.
    const out = await python(
      [
        "import sys, json, torch",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "from safetensors.torch import load_file",
        "base = load_file(sys.argv[1] + '/model.safetensors'); merged = load_file(sys.argv[2] + '/model.safetensors')",
        "moved = sum(1 for k in base if k in merged and not torch.equal(base[k], merged[k]))",
        "m = AutoModelForCausalLM.from_pretrained(sys.argv[2]); t = AutoTokenizer.from_pretrained(sys.argv[2])",
        "ids = t.apply_chat_template([{'role': 'user', 'content': 'Fix the bug.'}], add_generation_prompt=True, return_tensors='pt', return_dict=True)",
        "g = m.generate(**ids, max_new_tokens=4, do_sample=False)",
        "print(json.dumps({'moved': moved, 'keys': len(base), 'new_tokens': int(g.shape[1] - ids['input_ids'].shape[1])}))",
      ].join("\n"),
      [hfDir, join(run, "dpo-merged")],
    );
    const check = JSON.parse(out.at(-1)!) as { moved: number; keys: number; new_tokens: number };
    expect(check.moved).toBeGreaterThan(0);
    expect(check.new_tokens).toBeGreaterThan(0);

    // A rerun: both stages done, both merges already there.
    const again: string[] = [];
    await runTraining(config, { onProgress: (l) => again.push(l) });
    expect(again.join("\n")).not.toMatch(/merging/);
  }, 900_000);

  it("writes DeepSpeed ZeRO-3 / FSDP / DDP accelerate configs from a plan that accelerate's own loader reads", async () => {
    await ensureTrainerVenv();
    const plans: [AcceleratePlan, string][] = [
      [AcceleratePlanSchema.parse({ strategy: "zero3", num_processes: 8, offload: true }), "zero3"],
      [AcceleratePlanSchema.parse({ strategy: "fsdp2", num_processes: 4, mixed_precision: "bf16" }), "fsdp2"],
      [
        AcceleratePlanSchema.parse({
          strategy: "ddp",
          num_processes: 16,
          num_machines: 2,
          machine_rank: 1,
          main_process_ip: "10.0.0.1",
          main_process_port: 29500,
        }),
        "multi_gpu",
      ],
    ];
    const files = plans.map(([plan, name], i) => {
      const file = join(dir, `accelerate-${i}.yaml`);
      writeFileSync(file, accelerateConfigYaml(plan, accelerateConfigPath(name)));
      return file;
    });
    const out = await python(
      [
        "import sys, json",
        "from accelerate.commands.config.config_args import load_config_from_file",
        "for f in sys.argv[1:]:",
        "    c = load_config_from_file(f)",
        "    print(json.dumps({'type': str(c.distributed_type), 'n': c.num_processes, 'machines': c.num_machines,",
        "        'rank': c.machine_rank, 'ip': c.main_process_ip, 'ds': c.deepspeed_config, 'fsdp': c.fsdp_config, 'mp': str(c.mixed_precision)}))",
      ].join("\n"),
      files,
    );
    const [zero3, fsdp, ddp] = out.map((l) => JSON.parse(l));
    expect(zero3.type).toMatch(/DEEPSPEED/);
    expect(zero3.n).toBe(8);
    expect(zero3.ds.zero_stage).toBe(3);
    expect(zero3.ds.offload_param_device).toBe("cpu");
    expect(zero3.ds.offload_optimizer_device).toBe("cpu");
    expect(fsdp.type).toMatch(/FSDP/);
    expect(fsdp.n).toBe(4);
    expect(fsdp.fsdp.fsdp_version).toBe(2);
    expect(fsdp.fsdp.fsdp_offload_params).toBe(false);
    expect(ddp.type).toMatch(/MULTI_GPU/);
    expect([ddp.n, ddp.machines, ddp.rank, ddp.ip]).toEqual([16, 2, 1, "10.0.0.1"]);

    // DeepSpeed is not in the CPU set: a ZeRO plan stops before training with the install line.
    const zeroRun = resolveTrainConfig(
      {
        model: hfDir,
        output_dir: "zero-run",
        device: "cpu",
        accelerate: { strategy: "zero3", num_processes: 2 },
        sft: { dataset: "data/sft.jsonl", args: { max_steps: 1 } },
      },
      join(dir, "zero.yaml"),
    );
    await expect(runTraining(zeroRun)).rejects.toThrow(/DeepSpeed is not installed.*requirements-gpu\.txt/);
    expect(existsSync(join(zeroRun.output_dir, "sft"))).toBe(false);
  }, 300_000);

  it("refuses plans and LoRA settings that cannot work, naming the field", () => {
    const base = { model: hfDir, output_dir: "x", sft: { dataset: "data/sft.jsonl" } };
    const cfg = join(dir, "bad.yaml");
    expect(() => resolveTrainConfig({ ...base, device: "cpu", lora: { load_in_4bit: true } }, cfg)).toThrow(
      /lora\.load_in_4bit/,
    );
    expect(() =>
      resolveTrainConfig(
        { ...base, accelerate: { strategy: "zero3", num_processes: 16, num_machines: 2 } },
        cfg,
      ),
    ).toThrow(/accelerate\.main_process_ip/);
    expect(() =>
      resolveTrainConfig({ ...base, accelerate: { strategy: "ddp", num_processes: 2, offload: true } }, cfg),
    ).toThrow(/accelerate\.offload/);
    expect(() => resolveTrainConfig({ ...base, lora: { r: 0 } }, cfg)).toThrow(/lora\.r/);
  });
});
