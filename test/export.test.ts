import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportDpo, exportSft } from "../src/export/run.js";
import { loadRenderSetup } from "../src/export/setup.js";
import { renderSft } from "../src/render/conversation.js";
import { cutMarker } from "../src/render/shorten.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { CLI, tempDir } from "./helpers/paths.js";

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("sealign export", () => {
  let dir: string;
  let trajPath: string;
  let pairsPath: string;
  beforeAll(() => {
    dir = tempDir("sealign-export-");
    const trajectories = fixtureTrajectories(3, { longFirst: true });
    trajPath = writeJsonl(join(dir, "traj.jsonl"), trajectories);
    pairsPath = writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(trajectories));
  });

  it("SFT in TRL format: only resolved trajectories, tools as JSON, a card with counts and token statistics", async () => {
    const out = join(dir, "sft.jsonl");
    const { card } = await exportSft([trajPath], { format: "trl", out });
    expect(card.counts).toMatchObject({ trajectories_read: 12, exported: 6, not_resolved: 6 });
    expect(card.tasks).toBe(3);
    const rows = lines(out);
    expect(rows).toHaveLength(6);
    expect(Object.keys(rows[0]!)).toEqual(["id", "task_id", "messages", "tools"]);
    expect(JSON.parse(rows[0]!.tools as string)[0].type).toBe("function");
    expect(card.tokens.trained_share).toBeGreaterThan(0);
    expect(card.tokens.trained_share).toBeLessThan(0.5);
    expect(card.render.sft_template).toBe("trl:qwen3_training.jinja");
    expect(existsSync(join(dir, "sft.card.json"))).toBe(true);
    expect(readFileSync(join(dir, "sft.card.md"), "utf8")).toContain("Trained-token share");
  });

  it("masks system, task and observations; trains exactly the assistant turns", () => {
    const { ctx } = loadRenderSetup();
    const row = lines(join(dir, "sft.jsonl"))[1]!;
    const tokens = renderSft(ctx, row.messages as never, JSON.parse(row.tools as string));
    const trainedText = tokens.ids
      .map((id, i) => (tokens.mask[i] ? ctx.tokenizer.tokenText(id) : "\u0001"))
      .join("")
      .split("\u0001")
      .filter(Boolean);
    // One trained span per assistant turn, each ending with the end-of-turn token.
    const assistants = (row.messages as { role: string }[]).filter((m) => m.role === "assistant").length;
    expect(trainedText).toHaveLength(assistants);
    for (const span of trainedText) expect(span.endsWith("<|im_end|>\n")).toBe(true);
    const all = trainedText.join("");
    expect(all).not.toContain("<tool_response>");
    expect(all).not.toContain("software engineering agent");
    expect(all).toContain("<tool_call>");
  });

  it("max_length: a long observation is shortened (middle cut, marker), not dropped, and the card says what was cut", async () => {
    const out = join(dir, "sft-short.jsonl");
    const { card } = await exportSft([trajPath], { format: "trl", out, maxLength: 4096 });
    expect(card.counts.exported).toBe(6);
    expect(card.max_length.shortened).toBe(1);
    expect(card.max_length.truncated).toBe(0);
    expect(card.max_length.observations_cut).toBeGreaterThan(0);
    expect(card.max_length.observation_tokens_cut).toBeGreaterThan(10_000);
    expect(card.tokens.per_example.max).toBeLessThanOrEqual(4096);
    const long = lines(out)[0]!;
    const cut = (long.messages as { role: string; content: string }[]).filter((m) =>
      m.content.includes("tokens cut by sealign"),
    );
    // Oldest first: the file view (step 1) is cut before the long test output (step 2).
    expect(cut[0]!.content).toContain("Here's the result of running `cat -n`");
    const observation = cut.find((m) => m.content.includes("test_case_0"))!;
    expect(observation.role).toBe("tool");
    expect(observation.content.startsWith("test_case_0 ... FAILED")).toBe(true);
    expect(
      observation.content.trimEnd().endsWith("test_case_1499 ... FAILED (expected 10493, got 10492)"),
    ).toBe(true);
    expect(readFileSync(join(dir, "sft-short.card.md"), "utf8")).toMatch(/1 fit after shortening/);
    expect(cutMarker(5)).toContain("5 tokens cut");

    // DPO: the pair whose prompt holds that observation is kept (TRL would drop it: its prompt alone
    // is over the limit), with the prompt's observations cut.
    const dpo = await exportDpo([pairsPath], {
      format: "trl",
      out: join(dir, "dpo-short.jsonl"),
      maxLength: 4096,
    });
    const unlimited = await exportDpo([pairsPath], { format: "trl", out: join(dir, "dpo-full.jsonl") });
    expect(unlimited.card.tokens.prompt!.max).toBeGreaterThan(4096);
    expect(dpo.card.counts.exported).toBe(6);
    expect(dpo.card.max_length.dropped).toBe(0);
    expect(dpo.card.max_length.shortened).toBe(1);
    // The trajectory-level pair carries the long observation in its completion, which is not cut:
    // the card names it as truncated by the trainer.
    expect(dpo.card.max_length.truncated).toBe(1);
    expect(dpo.card.max_length.affected_ids).toEqual(["humanevalfix-python-0#t0"]);
    expect(readFileSync(join(dir, "dpo-short.card.md"), "utf8")).toMatch(
      /1 fit after shortening \d+ observations/,
    );
  });

  it("max_length too small even after cutting: SFT reports the truncation, DPO drops and names the pair", async () => {
    const sft = await exportSft([trajPath], {
      format: "trl",
      out: join(dir, "sft-tiny.jsonl"),
      maxLength: 600,
    });
    expect(sft.card.max_length.truncated).toBe(6);
    expect(sft.card.max_length.trained_tokens_lost).toBeGreaterThan(0);
    expect(sft.card.max_length.affected_ids).toHaveLength(6);
    const dpo = await exportDpo([pairsPath], {
      format: "trl",
      out: join(dir, "dpo-tiny.jsonl"),
      maxLength: 600,
    });
    expect(dpo.card.counts.dropped_prompt_too_long).toBeGreaterThan(0);
    expect(dpo.card.max_length.dropped).toBe(dpo.card.counts.dropped_prompt_too_long);
    expect(dpo.card.max_length.affected_ids.length).toBeGreaterThan(0);
  });

  it("DPO in all three formats; trajectory-level pairs only where the format can hold them", async () => {
    const trl = await exportDpo([pairsPath], { format: "trl", out: join(dir, "dpo.jsonl") });
    expect(trl.card.counts).toMatchObject({ pairs_read: 6, exported: 6, critical: 3, trajectory: 3 });
    expect(trl.card.tokens.prefix_recompute_share).toBeGreaterThan(0.3);
    const row = lines(join(dir, "dpo.jsonl"))[0]!;
    expect(Object.keys(row)).toEqual(["id", "task_id", "kind", "prompt", "chosen", "rejected", "tools"]);

    const lf = await exportDpo([pairsPath], { format: "llamafactory", out: join(dir, "lf-dpo.jsonl") });
    expect(lf.card.counts.exported).toBe(3);
    expect(lf.card.counts.format_skipped).toBe(3);
    expect(lf.card.notes.join("\n")).toContain("one assistant turn");
    const lfRow = lines(join(dir, "lf-dpo.jsonl"))[0]!;
    expect((lfRow.chosen as { from: string }).from).toBe("function_call");
    expect(JSON.parse((lfRow.chosen as { value: string }).value).name).toBe("str_replace_editor");
    const turns = lfRow.conversations as { from: string }[];
    expect(turns.map((t) => t.from)).toEqual([
      "human",
      "function_call",
      "observation",
      "function_call",
      "observation",
    ]);
    const info = JSON.parse(readFileSync(join(dir, "dataset_info.json"), "utf8"));
    expect(info["lf-dpo"]).toMatchObject({
      file_name: "lf-dpo.jsonl",
      formatting: "sharegpt",
      ranking: true,
    });

    const oa = await exportDpo([pairsPath], {
      format: "openai",
      out: join(dir, "oa-dpo.jsonl"),
      kinds: ["critical"],
    });
    // OpenAI's preference fine-tuning takes text outputs only: the tool-call pairs are refused
    expect(oa.card.counts).toMatchObject({ exported: 0, kind_filtered: 3, format_skipped: 3 });
    expect(oa.card.notes.join("\n")).toMatch(/3 pairs not writable in openai format: .*text outputs only/);
    // a pair whose sides are text is written
    const textPairs = lines(pairsPath).map((p) => {
      const pair = p as {
        chosen: { content: unknown; tool_calls?: unknown }[];
        rejected: typeof pair.chosen;
      };
      for (const side of [pair.chosen, pair.rejected])
        for (const m of side) {
          delete m.tool_calls;
          m.content = "a text answer";
        }
      return pair;
    });
    const textPath = join(dir, "text-pairs.jsonl");
    writeFileSync(textPath, textPairs.map((p) => JSON.stringify(p)).join("\n") + "\n");
    const oaText = await exportDpo([textPath], {
      format: "openai",
      out: join(dir, "oa-text.jsonl"),
      kinds: ["critical"],
    });
    expect(oaText.card.counts).toMatchObject({ exported: 3, format_skipped: 0 });
    const oaRow = lines(join(dir, "oa-text.jsonl"))[0]!;
    expect(Object.keys(oaRow)).toEqual(["input", "preferred_output", "non_preferred_output"]);
  });

  it("SFT in LLaMA-Factory and OpenAI formats", async () => {
    await exportSft([trajPath], { format: "llamafactory", out: join(dir, "lf-sft.jsonl") });
    const lf = lines(join(dir, "lf-sft.jsonl"))[0]!;
    expect(lf.system).toContain("software engineering agent");
    expect((lf.conversations as { from: string }[])[0]!.from).toBe("human");
    expect(JSON.parse(readFileSync(join(dir, "dataset_info.json"), "utf8"))["lf-sft"].columns.messages).toBe(
      "conversations",
    );
    await exportSft([trajPath], { format: "openai", out: join(dir, "oa-sft.jsonl") });
    const oa = lines(join(dir, "oa-sft.jsonl"))[0]!;
    const messages = oa.messages as Record<string, unknown>[];
    expect(messages.find((m) => m.role === "tool")).toHaveProperty("tool_call_id");
    expect(messages.find((m) => m.role === "tool")).not.toHaveProperty("reasoning_content");
    expect(Array.isArray(oa.tools)).toBe(true);
  });

  it("bad input: names file and line, leaves no partial output; --skip-invalid counts instead", async () => {
    const bad = join(dir, "bad.jsonl");
    const good = readFileSync(trajPath, "utf8").trim().split("\n");
    writeFileSync(bad, `${good[0]}\n{"schema_version": "sealign.trajectory/1", "id": 5\n${good[1]}\n`);
    const out = join(dir, "never.jsonl");
    await expect(exportSft([bad], { format: "trl", out })).rejects.toThrow(/bad\.jsonl:2/);
    expect(existsSync(out)).toBe(false);
    const { card } = await exportSft([bad], { format: "trl", out, skipInvalid: true });
    expect(card.counts.invalid_skipped).toBe(1);
    expect(card.notes.join(" ")).toContain("1 skipped");

    const badPair = join(dir, "bad-pairs.jsonl");
    const pair = JSON.parse(readFileSync(pairsPath, "utf8").split("\n")[0]!);
    pair.chosen = [];
    writeFileSync(badPair, `${JSON.stringify(pair)}\n`);
    await expect(exportDpo([badPair], { format: "trl", out: join(dir, "x.jsonl") })).rejects.toThrow(
      /bad-pairs\.jsonl:1: field chosen/,
    );
    const sentinel = fixtureTrajectories(1)[0]!;
    (sentinel.messages[1] as { content: string }).content += "\uE000";
    const sentinelPath = writeJsonl(join(dir, "sentinel.jsonl"), [sentinel]);
    await expect(exportSft([sentinelPath], { format: "trl", out: join(dir, "y.jsonl") })).rejects.toThrow(
      /U\+E000/,
    );
  });

  it("CLI: --preview marks trained spans; exit 2 on a missing input or a bad option", () => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        "export",
        "sft",
        trajPath,
        "-o",
        join(dir, "cli.jsonl"),
        "--preview",
        "1",
        "--max-length",
        "4096",
      ],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("=== example 1:");
    expect(r.stdout).toMatch(/⟦<think>\n\n<\/think>\n\n/);
    expect(r.stdout).toContain("<|im_start|>user\n<tool_response>");
    expect(r.stderr).toMatch(/wrote 6 SFT examples/);
    expect(r.stderr).toMatch(/max_length 4096: 1 shortened/);
    const missing = spawnSync(
      process.execPath,
      [CLI, "export", "dpo", join(dir, "nope.jsonl"), "-o", join(dir, "n.jsonl")],
      {
        encoding: "utf8",
      },
    );
    expect(missing.status, missing.stderr).toBe(2);
    expect(missing.stderr).toContain("nope.jsonl");
    const badFormat = spawnSync(
      process.execPath,
      [CLI, "export", "sft", trajPath, "-o", "z.jsonl", "--format", "alpaca"],
      {
        encoding: "utf8",
      },
    );
    expect(badFormat.status, badFormat.stderr).toBe(2);
  });
});
