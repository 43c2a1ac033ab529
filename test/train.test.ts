import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createProvider } from "../src/providers/registry.js";
import type { Task } from "../src/schema/task.js";
import { loadTasks } from "../src/tasks/load.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { CLI, sharedData, tempDir } from "./helpers/paths.js";
import { ensureTinyModel } from "./helpers/tiny-model.js";

/**
 * The whole loop on one machine, through the CLI: trajectories from ../shared/data tasks ->
 * `sealign export` -> `sealign train` (TRL SFT, then DPO from the SFT checkpoint, on CPU) ->
 * GGUF -> the embedded provider answers. Short examples and a few steps keep it fast: with
 * Qwen3's 151k-token vocabulary the output layer dominates the tiny model's cost.
 */
function sealign(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 540_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("sealign train on the tiny Qwen3 (CPU)", () => {
  let dir: string;
  let hfDir: string;
  beforeAll(async () => {
    dir = tempDir("sealign-train-");
    hfDir = (await ensureTinyModel()).hfDir;
    const trajectories = fixtureTrajectories(4, { compact: true });
    writeJsonl(join(dir, "traj.jsonl"), trajectories);
    writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(trajectories));
    const sft = sealign(["export", "sft", "traj.jsonl", "--model", hfDir, "-o", "data/sft.jsonl"], dir);
    expect(sft.code, sft.stderr).toBe(0);
    const dpo = sealign(
      ["export", "dpo", "pairs.jsonl", "--kind", "critical", "--model", hfDir, "-o", "data/dpo.jsonl"],
      dir,
    );
    expect(dpo.code, dpo.stderr).toBe(0);
  }, 300_000);

  it("runs SFT then DPO, logs metrics, raises the DPO reward margin, writes a report and a GGUF that answers", async () => {
    writeFileSync(
      join(dir, "train.yaml"),
      stringify({
        model: hfDir,
        output_dir: "run",
        device: "cpu",
        sft: {
          dataset: "data/sft.jsonl",
          args: { max_steps: 2, learning_rate: 1e-3, per_device_train_batch_size: 1 },
        },
        // Step 1 logs the margin before any update (0: policy = reference); step 2 after one.
        dpo: {
          dataset: "data/dpo.jsonl",
          args: { max_steps: 2, learning_rate: 1e-3, per_device_train_batch_size: 1, beta: 0.1 },
        },
        gguf: { out_type: "f32" },
      }),
    );
    const r = sealign(["train", "--config", "train.yaml", "--json"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sft step 1\/2/);
    expect(r.stderr).toMatch(/dpo step 2\/2/);
    const result = JSON.parse(r.stdout) as {
      finalModel: string;
      gguf: string;
      summaries: {
        sft: { steps: number; tokens_per_second: number };
        dpo: { first_margin: number; last_margin: number };
      };
    };
    const run = join(dir, "run");
    // DPO started from the SFT checkpoint (TRL takes the same model as its frozen reference).
    expect(readFileSync(join(run, "dpo.trl.yaml"), "utf8")).toContain(
      `model_name_or_path: ${join(run, "sft")}`,
    );
    expect(result.finalModel).toBe(join(run, "dpo"));
    expect(result.summaries.sft.steps).toBe(2);
    expect(result.summaries.sft.tokens_per_second).toBeGreaterThan(0);
    // The chosen-minus-rejected reward margin rose from where DPO started (0: policy = reference).
    expect(result.summaries.dpo.last_margin).toBeGreaterThan(result.summaries.dpo.first_margin);
    const metrics = readFileSync(join(run, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(metrics.some((m) => m.stage === "dpo" && typeof m["rewards/accuracies"] === "number")).toBe(true);
    for (const f of [
      "report.md",
      "loss-sft.png",
      "loss-dpo.png",
      "rewards-dpo.png",
      "run.json",
      "summary.json",
    ])
      expect(existsSync(join(run, f)), f).toBe(true);
    expect(readFileSync(join(run, "loss-sft.png")).subarray(1, 4).toString()).toBe("PNG");

    // Back to the agent: the aligned model's GGUF loads in the embedded provider and replies.
    expect(result.gguf).toBe(join(run, "model-f32.gguf"));
    const task = (await loadTasks(sharedData("humanevalfix-python.jsonl")))[0] as Task;
    const provider = await createProvider(`embedded:${result.gguf}`, { threads: 1, maxArgumentChars: 24 });
    try {
      const reply = await provider.complete(
        {
          messages: [{ role: "user", content: "Fix the bug in main.py." }],
          tools: JSON.parse(readFileSync(join(dir, "data", "sft.jsonl"), "utf8").split("\n")[0]!).tools
            ? (JSON.parse(
                JSON.parse(readFileSync(join(dir, "data", "sft.jsonl"), "utf8").split("\n")[0]!).tools,
              ) as never)
            : [],
          sampling: { max_tokens: 64, temperature: 1, tool_choice: "required", seed: 1 },
        },
        { task, episodeId: "train-test", sampleIndex: 0, seed: 1, turn: 0 },
      );
      expect(reply.message.role).toBe("assistant");
      expect(
        (reply.message.tool_calls ?? []).length + String(reply.message.content ?? "").length,
      ).toBeGreaterThan(0);
    } finally {
      await provider.close?.();
    }

    // A second run finds both stages done and does not train again.
    const again = sealign(["train", "--config", "train.yaml"], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/sft: already done/);
    expect(again.stderr).toMatch(/dpo: already done/);
  }, 900_000);

  it("resumes SFT from its newest checkpoint after the run is killed", async () => {
    writeFileSync(
      join(dir, "resume.yaml"),
      stringify({
        model: hfDir,
        output_dir: "resume-run",
        device: "cpu",
        save_steps: 1,
        sft: {
          dataset: "data/sft.jsonl",
          args: { max_steps: 3, learning_rate: 1e-3, per_device_train_batch_size: 1 },
        },
        gguf: { enabled: false },
      }),
    );
    const sftDir = join(dir, "resume-run", "sft");
    const child = spawn(process.execPath, [CLI, "train", "--config", "resume.yaml"], {
      cwd: dir,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Kill it once a checkpoint is on disk (the trainer is mid-run).
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      const done =
        existsSync(sftDir) &&
        readdirSync(sftDir).some(
          (f) => f.startsWith("checkpoint-") && existsSync(join(sftDir, f, "trainer_state.json")),
        );
      if (done) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill("SIGTERM");
    expect(await exited).not.toBe(0);
    expect(existsSync(join(sftDir, ".sealign-done.json"))).toBe(false);
    const r = sealign(["train", "--config", "resume.yaml"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/sft: resuming from .*checkpoint-\d+/);
    const yaml = readFileSync(join(dir, "resume-run", "sft.trl.yaml"), "utf8");
    expect(yaml).toMatch(/resume_from_checkpoint: .*checkpoint-\d+/);
    const summary = JSON.parse(readFileSync(join(dir, "resume-run", "summary.json"), "utf8"));
    expect(summary.summaries.sft.steps).toBe(3);
  }, 900_000);

  it("rejects a bad config with exit code 2 naming the field", () => {
    writeFileSync(
      join(dir, "bad.yaml"),
      stringify({
        model: hfDir,
        output_dir: "x",
        sft: { dataset: "data/sft.jsonl", args: { output_dir: "y" } },
      }),
    );
    const r = sealign(["train", "--config", "bad.yaml"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("sft.args.output_dir");
    writeFileSync(join(dir, "bad2.yaml"), "model: [unclosed\n");
    const r2 = sealign(["train", "--config", "bad2.yaml"], dir);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("bad2.yaml");
    writeFileSync(
      join(dir, "bad3.yaml"),
      stringify({ model: hfDir, output_dir: "x", dpo: { dataset: "missing.jsonl" } }),
    );
    const r3 = sealign(["train", "--config", "bad3.yaml"], dir);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("dpo.dataset");
  });
});
