import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportDpo } from "../src/export/run.js";
import { resolveTrainConfig } from "../src/train/config.js";
import { choosePrefixSharing } from "../src/train/prefix-sharing.js";
import { runChecked } from "../src/train/process.js";
import { runTraining } from "../src/train/run.js";
import { ensureTrainerVenv } from "../src/train/venv.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { REPO_ROOT, tempDir } from "./helpers/paths.js";
import { ensureTinyModel } from "./helpers/tiny-model.js";

/**
 * DPO with prefix sharing (python/prefix_sharing.py): the same numbers as stock TRL, and a real
 * `sealign train` DPO run with it that trains and resumes. On the tiny Qwen3 (float32, CPU) with
 * critical pairs exported from HumanEvalFix episodes.
 */
const TOLERANCE = 1e-4; // relative, float32: the sums are the same, only their order differs

/** One RESULT line of check_prefix_sharing.py: one attention implementation, shared vs stock. */
interface PrefixResult {
  attn: string;
  pairs: number;
  shared_tokens: number;
  stock_tokens: number;
  logps_max_rel: number;
  loss_rel: number;
  grad_max_rel: number;
  grad_params: number;
  grad_params_missing: string[];
  chosen_logps: number[];
}

describe("DPO prefix sharing on the tiny Qwen3 (CPU)", () => {
  let dir: string;
  let hfDir: string;
  let dataset: string;
  beforeAll(async () => {
    dir = tempDir("sealign-train-prefix-");
    hfDir = (await ensureTinyModel()).hfDir;
    const trajectories = fixtureTrajectories(4, { compact: true });
    writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(trajectories));
    dataset = join(dir, "data", "dpo.jsonl");
    await exportDpo([join(dir, "pairs.jsonl")], {
      format: "trl",
      out: dataset,
      model: hfDir,
      kinds: ["critical"],
    });
  }, 300_000);

  it("gives stock TRL's log-probs, loss and gradients (sdpa and eager), and names why a setting falls back", async () => {
    const python = await ensureTrainerVenv();
    const lines: string[] = [];
    await runChecked(
      "prefix sharing exactness check",
      python,
      [join(REPO_ROOT, "test", "python", "check_prefix_sharing.py"), hfDir, dataset, "--batch", "2"],
      {
        env: { ...process.env, HF_DATASETS_CACHE: join(dir, "hf-cache"), HF_HUB_OFFLINE: "1" },
        onLine: (line, stream) => stream === "stdout" && lines.push(line),
      },
    );
    const results = lines
      .filter((l) => l.startsWith("RESULT "))
      .map((l) => JSON.parse(l.slice(7)) as PrefixResult);
    expect(results.map((r) => r.attn)).toEqual(["sdpa", "eager"]);
    for (const r of results) {
      expect(r.pairs).toBe(2);
      // One sequence per pair: the prompt is run once, not twice.
      expect(r.shared_tokens).toBeLessThan(r.stock_tokens * 0.6);
      expect(r.logps_max_rel, r.attn).toBeLessThan(TOLERANCE);
      expect(r.loss_rel, r.attn).toBeLessThan(TOLERANCE);
      expect(r.grad_max_rel, r.attn).toBeLessThan(TOLERANCE);
      expect(r.grad_params).toBeGreaterThan(10);
      expect(r.grad_params_missing).toEqual([]);
      // The comparison is not vacuous: the log-probs are those of real, long completions.
      expect(Math.min(...r.chosen_logps)).toBeLessThan(-10);
    }
    const reasons = JSON.parse(lines.find((l) => l.startsWith("REASONS "))!.slice(8)) as Record<
      string,
      string | null
    >;
    expect(reasons.flash_attention_2).toMatch(/flash_attention_2 does not take a custom 4D attention mask/);
    expect(reasons.liger).toMatch(/use_liger_kernel/);
    expect(reasons.keep_end).toMatch(/keep_end/);
    expect(reasons.peft_without_precompute).toMatch(/precompute_ref_log_probs/);
    expect(reasons.sdpa).toBeNull();
  }, 600_000);

  it("is on by default only for sealign DPO exports, and train.yaml overrides it", () => {
    expect(choosePrefixSharing(dataset, undefined).enabled).toBe(true);
    expect(choosePrefixSharing(dataset, false).enabled).toBe(false);
    const foreign = join(dir, "foreign.jsonl");
    writeFileSync(foreign, readFileSync(dataset));
    const off = choosePrefixSharing(foreign, undefined);
    expect(off.enabled).toBe(false);
    expect(off.why).toMatch(/no sealign dataset card/);
    expect(() =>
      resolveTrainConfig(
        { model: hfDir, output_dir: "x", sft: { dataset, prefix_sharing: true } },
        join(dir, "t.yaml"),
      ),
    ).toThrow(/sft\.prefix_sharing/);
  });

  it("trains with prefix sharing (the margin rises), precomputes the reference once, and resumes after a kill", async () => {
    const config = resolveTrainConfig(
      {
        model: hfDir,
        output_dir: "run",
        device: "cpu",
        save_steps: 1,
        dpo: {
          dataset,
          args: { max_steps: 3, learning_rate: 1e-3, per_device_train_batch_size: 2, beta: 0.1 },
        },
        gguf: { enabled: false },
      },
      join(dir, "train.yaml"),
    );
    const dpoDir = join(config.output_dir, "dpo");
    const progress: string[] = [];
    const abort = new AbortController();
    const watcher = setInterval(() => {
      if (
        existsSync(dpoDir) &&
        readdirSync(dpoDir).some(
          (f) => f.startsWith("checkpoint-") && existsSync(join(dpoDir, f, "trainer_state.json")),
        )
      )
        abort.abort();
    }, 200);
    const env = { ...process.env };
    process.env.HF_DATASETS_CACHE = join(dir, "hf-cache");
    try {
      await expect(
        runTraining(config, { signal: abort.signal, onProgress: (l) => progress.push(l) }),
      ).rejects.toThrow();
    } finally {
      clearInterval(watcher);
    }
    expect(progress.join("\n")).toMatch(/dpo: prefix sharing on: each pair runs as one/);
    expect(existsSync(join(dpoDir, ".sealign-done.json"))).toBe(false);
    const again: string[] = [];
    try {
      const result = await runTraining(config, { onProgress: (l) => again.push(l) });
      expect(again.join("\n")).toMatch(/dpo: resuming from .*checkpoint-\d+/);
      expect(again.join("\n")).toMatch(/prefix sharing on/);
      const yaml = readFileSync(join(config.output_dir, "dpo.trl.yaml"), "utf8");
      expect(yaml).toContain("precompute_ref_log_probs: true");
      const dpo = result.summaries.dpo!;
      expect(dpo.steps).toBe(3);
      expect(dpo.last_margin as number).toBeGreaterThan(dpo.first_margin as number);
    } finally {
      process.env = env;
    }
  }, 900_000);
});
