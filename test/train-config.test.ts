import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTrainConfig } from "../src/train/config.js";
import { latestPerStep, parseMetricsLine } from "../src/train/metrics.js";
import { summariseStage } from "../src/train/report.js";
import { maxLengthFromCard } from "../src/train/run.js";
import { latestCheckpoint, trlStageConfig } from "../src/train/trl-config.js";
import { tempDir } from "./helpers/paths.js";

describe("train config", () => {
  const dir = tempDir("sealign-train-config-");
  mkdirSync(join(dir, "model"));
  writeFileSync(join(dir, "sft.jsonl"), "{}\n");
  const cfgPath = join(dir, "train.yaml");

  it("resolves paths from the config's folder, keeps TRL's accelerate config names, lets args override defaults", () => {
    const config = resolveTrainConfig(
      {
        model: "model",
        output_dir: "out",
        accelerate: "zero3",
        sft: { dataset: "sft.jsonl", args: { logging_steps: 5, max_steps: 9 } },
      },
      cfgPath,
    );
    expect(config.model).toBe(join(dir, "model"));
    expect(config.output_dir).toBe(join(dir, "out"));
    expect(config.accelerate).toBe("zero3");
    const trl = trlStageConfig(config, "sft", {
      model: config.model,
      outputDir: join(dir, "out", "sft"),
      useCpu: true,
      resumeFrom: null,
    });
    expect(trl).toMatchObject({
      assistant_only_loss: true,
      logging_steps: 5,
      max_steps: 9,
      use_cpu: true,
      bf16: false,
      model_name_or_path: join(dir, "model"),
      datasets: [{ path: "json", data_files: join(dir, "sft.jsonl"), split: "train" }],
    });
    expect(trl).not.toHaveProperty("resume_from_checkpoint");
    // A hub id is allowed (for machines that can download); a missing local path is not.
    expect(
      resolveTrainConfig(
        { model: "Qwen/Qwen3-0.6B", output_dir: "o", sft: { dataset: "sft.jsonl" } },
        cfgPath,
      ).model,
    ).toBe("Qwen/Qwen3-0.6B");
  });

  it("rejects what would silently go wrong", () => {
    const bad = (raw: unknown) => () => resolveTrainConfig(raw, cfgPath);
    expect(bad({ model: "./nope", output_dir: "o", sft: { dataset: "sft.jsonl" } })).toThrow(/field model/);
    expect(bad({ model: "model", output_dir: "o" })).toThrow(/sft, dpo or both/);
    expect(
      bad({ model: "model", output_dir: "o", sft: { dataset: "sft.jsonl", args: { datasets: [] } } }),
    ).toThrow(/field sft\.args\.datasets: .*datasets is set by sealign/);
    expect(bad({ model: "model", output_dir: "o", sft: { dataset: "sft.jsonl" }, typo: 1 })).toThrow(
      /train config/,
    );
    expect(
      bad({ model: "model", output_dir: "o", sft: { dataset: "sft.jsonl" }, accelerate: "./missing.yaml" }),
    ).toThrow(/field accelerate/);
  });

  it("takes max_length from the dataset card, warns when args set less than the longest example", () => {
    writeFileSync(
      join(dir, "sft.card.json"),
      JSON.stringify({ max_length: { limit: 4096 }, tokens: { per_example: { max: 3900 } } }),
    );
    expect(maxLengthFromCard(join(dir, "sft.jsonl"), undefined)).toEqual({ maxLength: 4096 });
    expect(maxLengthFromCard(join(dir, "sft.jsonl"), 2048).warning).toMatch(
      /below the longest example \(3900/,
    );
    expect(maxLengthFromCard(join(dir, "sft.jsonl"), 8192)).toEqual({});
    expect(maxLengthFromCard(join(dir, "other.jsonl"), undefined).warning).toMatch(
      /default max_length \(1024\)/,
    );
    writeFileSync(join(dir, "broken.card.json"), "{");
    expect(() => maxLengthFromCard(join(dir, "broken.jsonl"), undefined)).toThrow(/broken\.card\.json/);
  });

  it("finds the newest complete checkpoint", () => {
    const stage = join(dir, "stage");
    for (const step of [2, 10, 4]) {
      mkdirSync(join(stage, `checkpoint-${step}`), { recursive: true });
      if (step !== 10) writeFileSync(join(stage, `checkpoint-${step}`, "trainer_state.json"), "{}");
    }
    // checkpoint-10 has no trainer state (a save cut off): not a resume point.
    expect(latestCheckpoint(stage)).toBe(join(stage, "checkpoint-4"));
    expect(latestCheckpoint(join(dir, "none"))).toBeNull();
  });
});

describe("metrics", () => {
  it("parses the trainer's metric lines, ignores anything else, keeps the latest value per step", () => {
    expect(parseMetricsLine("{'loss': '0.5'}", "sft")).toBeNull();
    expect(parseMetricsLine("SEALIGN_METRICS {not json", "sft")).toBeNull();
    expect(parseMetricsLine('SEALIGN_METRICS {"loss": 1}', "sft")).toBeNull();
    const lines = [
      '100%|██| 1/2 SEALIGN_METRICS {"step": 1, "loss": 0.69, "rewards/margins": 0, "rewards/accuracies": 0}',
      'SEALIGN_METRICS {"step": 2, "loss": 0.5, "rewards/margins": 0.3, "rewards/accuracies": 1}',
      // after a resume from checkpoint-1, step 2 is logged again
      'SEALIGN_METRICS {"step": 2, "loss": 0.4, "rewards/margins": 0.6, "rewards/accuracies": 1}',
      'SEALIGN_METRICS {"step": 2, "train_runtime": 10, "num_input_tokens_seen": 500, "train_loss": 0.5}',
    ];
    const records = lines.map((l) => parseMetricsLine(l, "dpo")!);
    expect(latestPerStep(records, "dpo").map((r) => r.loss)).toEqual([0.69, 0.4]);
    const summary = summariseStage(records, "dpo")!;
    expect(summary).toMatchObject({
      steps: 2,
      first_loss: 0.69,
      last_loss: 0.4,
      first_margin: 0,
      last_margin: 0.6,
      tokens_per_second: 50,
    });
    expect(summariseStage(records, "sft")).toBeNull();
  });
});
