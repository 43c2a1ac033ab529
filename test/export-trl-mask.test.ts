import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportDpo, exportSft } from "../src/export/run.js";
import { loadRenderSetup } from "../src/export/setup.js";
import { renderSft } from "../src/render/conversation.js";
import { trlTemplate } from "../src/render/template.js";
import { pythonFile } from "../src/train/paths.js";
import { runChecked } from "../src/train/process.js";
import { ensureTrainerVenv } from "../src/train/venv.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { tempDir } from "./helpers/paths.js";
import { ensureTinyModel } from "./helpers/tiny-model.js";

/**
 * The contract of the export: the trained-token mask sealign computes is the one TRL computes,
 * token for token, on every exported SFT example; and DPO prompt/chosen/rejected token counts
 * are TRL's. TRL's side comes from its own trainers' preprocessing (python/dump_trl_masks.py).
 */
describe("token-exact masks against TRL", () => {
  let dir: string;
  let hfDir: string;
  let sftOut: string;
  let altDir: string;
  let altOut: string;
  let dpoOut: string;
  let sftCard: Awaited<ReturnType<typeof exportSft>>["card"];
  let dpoCard: Awaited<ReturnType<typeof exportDpo>>["card"];
  let trl: {
    sft: { input_ids: number[]; mask: number[] }[];
    alt_sft: { input_ids: number[]; mask: number[] }[];
    dpo: { prompt_ids: number[]; chosen_ids: number[]; rejected_ids: number[] }[];
  };
  // One Python run for both trainers: importing TRL costs most of the time.
  beforeAll(async () => {
    dir = tempDir("sealign-mask-");
    const python = await ensureTrainerVenv();
    hfDir = (await ensureTinyModel()).hfDir;
    const trajectories = fixtureTrajectories(6);
    sftOut = join(dir, "sft.jsonl");
    sftCard = (
      await exportSft([writeJsonl(join(dir, "traj.jsonl"), trajectories)], {
        format: "trl",
        out: sftOut,
        model: hfDir,
      })
    ).card;
    dpoOut = join(dir, "dpo.jsonl");
    const pairsPath = writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(trajectories.slice(0, 12)));
    dpoCard = (await exportDpo([pairsPath], { format: "trl", out: dpoOut, model: hfDir })).card;
    // The Qwen2.5 family: the same weights and tokenizer with TRL's Qwen2.5 chat template (read
    // from the installed TRL), so both families' training templates are checked.
    altDir = join(dir, "qwen25");
    mkdirSync(altDir);
    for (const f of readdirSync(hfDir))
      if (f !== "chat_template.jinja") symlinkSync(join(hfDir, f), join(altDir, f));
    writeFileSync(join(altDir, "chat_template.jinja"), trlTemplate("qwen2_5").text);
    altOut = join(dir, "sft-qwen25.jsonl");
    await exportSft([join(dir, "traj.jsonl")], { format: "trl", out: altOut, model: altDir });
    const dump = join(dir, "trl.json");
    await runChecked("dump_trl_masks", python, [
      pythonFile("dump_trl_masks.py"),
      "--model",
      hfDir,
      "--sft",
      sftOut,
      "--dpo",
      dpoOut,
      "--alt-model",
      altDir,
      "--alt-sft",
      altOut,
      "--out",
      dump,
    ]);
    trl = JSON.parse(readFileSync(dump, "utf8")) as typeof trl;
  }, 600_000);

  it("SFT: same input ids and same trained-token mask on every example", async () => {
    expect(sftCard.counts.exported).toBe(12);
    const { ctx } = loadRenderSetup({ model: hfDir });
    const rows = readFileSync(sftOut, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { messages: never[]; tools: string });
    expect(trl.sft.length).toBe(rows.length);
    rows.forEach((row, i) => {
      const ours = renderSft(ctx, row.messages, JSON.parse(row.tools) as unknown[]);
      expect(ours.ids).toEqual(trl.sft[i]!.input_ids);
      expect(ours.mask).toEqual(trl.sft[i]!.mask);
      // Observations, system and task text are masked: the first trained token comes after the task.
      expect(ours.mask.slice(0, 40).every((m) => m === 0)).toBe(true);
      expect(ours.mask.some((m) => m === 1)).toBe(true);
    });
    // The card's trained share is the same count.
    const trained = trl.sft.reduce((a, r) => a + r.mask.filter((m) => m === 1).length, 0);
    const total = trl.sft.reduce((a, r) => a + r.mask.length, 0);
    expect(sftCard.tokens.trained_share).toBeCloseTo(trained / total, 10);
  });

  it("SFT with the Qwen2.5 family's template: TRL's qwen2_5_training, same mask as TRL", () => {
    const setup = loadRenderSetup({ model: altDir });
    expect(setup.provenance.sft_template).toBe("trl:qwen2_5_training.jinja");
    const rows = readFileSync(altOut, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { messages: never[]; tools: string });
    expect(trl.alt_sft.length).toBe(rows.length);
    rows.forEach((row, i) => {
      const ours = renderSft(setup.ctx, row.messages, JSON.parse(row.tools) as unknown[]);
      expect(ours.ids).toEqual(trl.alt_sft[i]!.input_ids);
      expect(ours.mask).toEqual(trl.alt_sft[i]!.mask);
    });
  });

  it("DPO: same prompt, chosen and rejected tokens as TRL's DPOTrainer", async () => {
    expect(dpoCard.counts.exported).toBe(6);
    expect(dpoCard.counts.critical).toBe(3);
    expect(dpoCard.counts.trajectory).toBe(3);
    expect(dpoCard.counts.prefix_mismatch).toBe(0);
    expect(dpoCard.tokens.prompt?.total).toBe(trl.dpo.reduce((a, r) => a + r.prompt_ids.length, 0));
    expect(dpoCard.tokens.chosen?.total).toBe(trl.dpo.reduce((a, r) => a + r.chosen_ids.length, 0));
    expect(dpoCard.tokens.rejected?.total).toBe(trl.dpo.reduce((a, r) => a + r.rejected_ids.length, 0));
  });
});
