import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportDpo, exportSft } from "../src/export/run.js";
import { importFiles } from "../src/importers/index.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { runChecked } from "../src/train/process.js";
import { ensureTrainerVenv } from "../src/train/venv.js";
import { fixturePairs, fixtureTrajectories, writeJsonl } from "./export-fixtures.js";
import { convertSharegpt, parseFunctionTurn } from "./helpers/llamafactory-converter.js";
import { REPO_ROOT, sharedData, tempDir } from "./helpers/paths.js";
import { ensureTinyModel } from "./helpers/tiny-model.js";

/**
 * The exports as their consumers load them: LLaMA-Factory's converter and function formatter
 * rules (test/helpers/llamafactory-converter.ts, citing its source), OpenAI's fine-tuning shapes,
 * and TRL's own data utilities in the trainer's venv. Data: the fixture episodes (text beside
 * every call) plus the two resolved rows of the real OpenHands resolver output.
 */

const rows = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
let trajPath: string;
let pairsPath: string;
let resolved: Trajectory[];

beforeAll(async () => {
  dir = tempDir("sealign-consumers-");
  const fixtures = fixtureTrajectories(4);
  const imported = join(dir, "imported.jsonl");
  await importFiles([sharedData("trajectories", "openhands-resolver-output-2024.jsonl")], imported, {});
  const real = rows(imported) as unknown as Trajectory[];
  trajPath = writeJsonl(join(dir, "traj.jsonl"), [...fixtures, ...real]);
  pairsPath = writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(fixtures));
  resolved = [...fixtures, ...real].filter((t) => t.outcome.resolved === true);
});

/** Assistant turns holding both text and tool calls, up to the last assistant turn. */
function textBesideCalls(t: Trajectory): number {
  return t.messages.filter(
    (m) =>
      m.role === "assistant" &&
      (m.tool_calls?.length ?? 0) > 0 &&
      typeof m.content === "string" &&
      m.content.trim(),
  ).length;
}

describe("LLaMA-Factory (SharegptDatasetConverter, FunctionFormatter rules)", () => {
  it("SFT: no row skipped, rows end on the model's turn, the text beside each call kept", async () => {
    const out = join(dir, "lf-sft.jsonl");
    const { card } = await exportSft([trajPath], { format: "llamafactory", out });
    const written = rows(out);
    expect(written).toHaveLength(resolved.length);
    expect(resolved.length).toBeGreaterThan(4);
    const result = convertSharegpt(written, false);
    expect(result).toMatchObject({ skipped: 0, reasons: [] });
    for (const row of written) {
      const last = (row.conversations as { from: string }[]).at(-1)!;
      expect(["gpt", "function_call"]).toContain(last.from);
    }
    const expectedTexts = resolved.reduce((n, t) => n + textBesideCalls(t), 0);
    expect(expectedTexts).toBeGreaterThan(0);
    expect(result.functionTurnsWithText).toBe(expectedTexts);
    expect(card.counts.thoughts_dropped).toBe(0);
    expect(card.counts.format_skipped).toBe(0);
  });

  it("a function_call turn parses back to the same calls and text", async () => {
    const out = join(dir, "lf-sft-2.jsonl");
    await exportSft([trajPath], { format: "llamafactory", out });
    const row = rows(out)[0]!;
    const t = resolved[0]!;
    const calls = t.messages.filter((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0);
    const turns = (row.conversations as { from: string; value: string }[]).filter(
      (x) => x.from === "function_call",
    );
    expect(turns).toHaveLength(calls.length);
    turns.forEach((turn, i) => {
      const parsed = parseFunctionTurn(turn.value);
      const source = calls[i]! as Extract<Trajectory["messages"][number], { role: "assistant" }>;
      expect(parsed.calls.map((c) => c.name)).toEqual(source.tool_calls!.map((c) => c.function.name));
      expect(parsed.calls[0]!.arguments).toEqual(JSON.parse(source.tool_calls![0]!.function.arguments));
      if (typeof source.content === "string" && source.content.trim())
        expect(parsed.text.trim()).toBe(source.content.trim());
    });
  });

  it("the converter check itself rejects what LLaMA-Factory rejects", () => {
    const ok = {
      conversations: [
        { from: "human", value: "q" },
        { from: "gpt", value: "a" },
      ],
    };
    expect(convertSharegpt([ok], false).skipped).toBe(0);
    const endsOnObservation = {
      conversations: [...ok.conversations, { from: "observation", value: "o" }],
    };
    expect(convertSharegpt([endsOnObservation], false).reasons).toEqual(["Invalid message count"]);
    const twoModelTurns = {
      conversations: [
        { from: "human", value: "q" },
        { from: "gpt", value: "a" },
        { from: "gpt", value: "b" },
        { from: "gpt", value: "c" },
      ],
    };
    expect(convertSharegpt([twoModelTurns], false).reasons[0]).toMatch(/Invalid role tag/);
    expect(() => parseFunctionTurn('I will look first. {"name": "x", "arguments": {}}')).toThrow(
      /Invalid JSON format/,
    );
    expect(
      parseFunctionTurn('I will look first.\n<tool_call>{"name": "x", "arguments": {}}</tool_call>').text,
    ).toBe("I will look first.\n");
  });

  it("DPO (ranking rows): no row skipped", async () => {
    const out = join(dir, "lf-dpo.jsonl");
    const { card } = await exportDpo([pairsPath], { format: "llamafactory", out });
    const written = rows(out);
    expect(written.length).toBe(card.counts.exported);
    expect(written.length).toBeGreaterThan(0);
    expect(convertSharegpt(written, true)).toMatchObject({ skipped: 0 });
  });
});

describe("OpenAI fine-tuning", () => {
  it("SFT rows end on the assistant", async () => {
    const out = join(dir, "oa-sft.jsonl");
    await exportSft([trajPath], { format: "openai", out });
    const written = rows(out);
    expect(written).toHaveLength(resolved.length);
    for (const row of written) {
      const messages = row.messages as { role: string }[];
      expect(messages.at(-1)!.role).toBe("assistant");
      expect(messages.filter((m) => m.role === "assistant").length).toBeGreaterThan(0);
    }
  });

  it("DPO writes no tool-call output (the service accepts text outputs only) and says so in the card", async () => {
    const out = join(dir, "oa-dpo.jsonl");
    const { card } = await exportDpo([pairsPath], { format: "openai", out });
    for (const row of rows(out))
      for (const side of ["preferred_output", "non_preferred_output"])
        for (const m of row[side] as { tool_calls?: unknown[] }[]) expect(m.tool_calls ?? []).toEqual([]);
    expect(card.notes.join("\n")).toMatch(/text outputs only/);
  });
});

describe("TRL's own data utilities (trl.data_utils in the trainer's venv)", () => {
  it("load and render every TRL SFT and DPO row: 0 skipped", async () => {
    const python = await ensureTrainerVenv();
    const { hfDir } = await ensureTinyModel();
    const sft = join(dir, "trl-sft.jsonl");
    const dpo = join(dir, "trl-dpo.jsonl");
    await exportSft([trajPath], { format: "trl", out: sft, model: hfDir });
    const { card } = await exportDpo([pairsPath], { format: "trl", out: dpo, model: hfDir });
    const reportPath = join(dir, "trl-report.json");
    await runChecked("check_trl_rows.py", python, [
      join(REPO_ROOT, "test", "python", "check_trl_rows.py"),
      hfDir,
      sft,
      dpo,
      reportPath,
    ]);
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    expect(report.sft).toEqual({
      rows: resolved.length,
      accepted: resolved.length,
      not_conversational: 0,
      errors: [],
      names_missing: 0,
    });
    expect(report.dpo).toEqual({
      rows: card.counts.exported,
      accepted: card.counts.exported,
      not_conversational: 0,
      errors: [],
      names_missing: 0,
    });
  }, 300_000);
});
