import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/run-cli.js";
import { checkTrainDataset } from "../src/train/dataset-check.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { tempDir } from "./helpers/paths.js";

/** A training dataset that is not a TRL export is refused before Python starts, naming what it is. */
describe("checkTrainDataset", () => {
  const dir = tempDir("sealign-train-check-");
  const runs = fixtureTrajectories(1);
  const trajectories = writeJsonl(join(dir, "traj.jsonl"), runs);
  const pairs = writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(runs));
  const sft = writeJsonl(join(dir, "sft.jsonl"), [
    {
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: "a" },
      ],
    },
  ]);
  const dpo = writeJsonl(join(dir, "dpo.jsonl"), [
    {
      prompt: [{ role: "user", content: "q" }],
      chosen: [{ role: "assistant", content: "a" }],
      rejected: "b",
    },
  ]);

  it("accepts TRL SFT and DPO rows", async () => {
    expect(await checkTrainDataset(sft, "sft")).toBe(1);
    expect(await checkTrainDataset(dpo, "dpo")).toBe(1);
  });

  it("names the file, row and what it is otherwise", async () => {
    await expect(checkTrainDataset(trajectories, "sft")).rejects.toThrow(
      `${trajectories}:1: field sft.dataset: not a TRL SFT dataset: this is a sealign trajectory file`,
    );
    await expect(checkTrainDataset(pairs, "dpo")).rejects.toThrow(/this is a sealign pairs file/);
    await expect(checkTrainDataset(sft, "dpo")).rejects.toThrow(/this is an SFT dataset/);
    await expect(checkTrainDataset(dpo, "sft")).rejects.toThrow(/this is a DPO \(preference\) dataset/);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      `${JSON.stringify({ messages: [{ role: "user" }] })}\n${JSON.stringify({ messages: [{}] })}\n`,
    );
    await expect(checkTrainDataset(bad, "sft")).rejects.toThrow(
      `${bad}:2: field sft.dataset: not a TRL SFT dataset: messages[0] has no role`,
    );
    const empty = join(dir, "empty.jsonl");
    writeFileSync(empty, "");
    await expect(checkTrainDataset(empty, "sft")).rejects.toThrow(/is empty/);
    await expect(checkTrainDataset(join(dir, "missing.jsonl"), "sft")).rejects.toThrow(
      /missing\.jsonl: sft\.dataset: no such file/,
    );
  });

  it("`sealign train` exits 2 on such a dataset before anything is written", async () => {
    const config = join(dir, "train.yaml");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "model"), { recursive: true });
    writeFileSync(config, `model: ${dir}/model\noutput_dir: ${dir}/run\nsft:\n  dataset: ${trajectories}\n`);
    let stderr = "";
    const status = await runCli(["node", "sealign", "train", "--config", config], {
      write: (t: string) => (stderr += t),
    });
    process.exitCode = undefined;
    expect(status).toBe(2);
    expect(stderr).toContain("this is a sealign trajectory file");
    expect(stderr).not.toContain("Traceback");
    const { existsSync } = await import("node:fs");
    expect(existsSync(join(dir, "run"))).toBe(false);
  });
});
