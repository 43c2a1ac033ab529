import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.js";
import { JsonlWriter, writeFileAtomic } from "../io/atomic.js";
import { readParsed } from "../io/records.js";
import { SkipLog } from "../io/skip-log.js";
import { renderSft } from "../render/conversation.js";
import { markSpans, previewDpo, tokenSummary } from "../render/preview.js";
import type { Pair } from "../schema/pair.js";
import { parsePair } from "../schema/validate.js";
import { readTrajectories } from "../trajectories/read.js";
import { SEALIGN_VERSION } from "../version.js";
import { cardMarkdown, DATASET_CARD_SCHEMA, type DatasetCard } from "./card.js";
import { type DpoResult, dpoExample, prepareDpo } from "./dpo.js";
import {
  dpoRow,
  droppedThoughts,
  type ExportFormat,
  FormatSkip,
  llamafactoryDatasetInfo,
  sftRow,
} from "./formats.js";
import { loadRenderSetup, type RenderSetupOptions } from "./setup.js";
import { forStats, prepareSft, type SftResult, sftExample } from "./sft.js";
import { countStats } from "./stats.js";

export interface ExportOptions extends RenderSetupOptions {
  format: ExportFormat;
  /** Output JSONL path; the card goes beside it (<out without .jsonl>.card.json / .card.md). */
  out: string;
  maxLength?: number;
  /** Print this many examples with masked and trained spans marked. */
  preview?: number;
  /** Where previews go (default stdout) and whether to colour them. */
  previewWrite?: (text: string) => void;
  previewColor?: boolean;
  skipInvalid?: boolean;
  /** DPO: pair kinds to export (default both). */
  kinds?: ("critical" | "trajectory")[];
  /** Progress lines (stderr in the CLI). */
  onProgress?: (line: string) => void;
}

export interface ExportSummary {
  out: string;
  cardPath: string;
  card: DatasetCard;
}

/** `<dir>/<name>.card.json` and `.card.md` beside `<dir>/<name>.jsonl`. */
export function cardPaths(out: string): { json: string; md: string } {
  const stem = join(dirname(out), basename(out).replace(/\.jsonl$/, ""));
  return { json: `${stem}.card.json`, md: `${stem}.card.md` };
}

function progress(options: ExportOptions): (count: number, force?: boolean) => void {
  let last = Date.now();
  return (count, force = false) => {
    if (!options.onProgress) return;
    if (force || Date.now() - last > 5000) {
      options.onProgress(`export: ${count} examples`);
      last = Date.now();
    }
  };
}

function cardOptions(options: ExportOptions): Record<string, unknown> {
  const { previewWrite, onProgress, previewColor, ...rest } = options;
  void previewWrite;
  void onProgress;
  void previewColor;
  return rest as Record<string, unknown>;
}

async function writeLlamaFactoryInfo(out: string, kind: "sft" | "dpo"): Promise<void> {
  const infoPath = join(dirname(out), "dataset_info.json");
  let info: Record<string, unknown> = {};
  if (existsSync(infoPath)) {
    try {
      info = JSON.parse(readFileSync(infoPath, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new InputError(`malformed JSON: ${(error as Error).message}`, { file: infoPath });
    }
  }
  info[basename(out).replace(/\.jsonl$/, "")] = llamafactoryDatasetInfo(basename(out), kind);
  await writeFileAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`);
}

function lengthSection(
  limit: number | undefined,
  results: { status: string; cuts: { tokensBefore: number; tokensAfter: number }[]; id: string }[],
  truncatedTokens: number,
  trainedTokensLost: number,
): DatasetCard["max_length"] {
  const by = (s: string) => results.filter((r) => r.status === s).length;
  const cuts = results.flatMap((r) => r.cuts);
  return {
    limit: limit ?? null,
    fits: by("fits"),
    shortened: by("shortened"),
    truncated: by("truncated"),
    dropped: by("dropped"),
    observations_cut: cuts.length,
    observation_tokens_cut: cuts.reduce((a, c) => a + (c.tokensBefore - c.tokensAfter), 0),
    truncated_tokens: truncatedTokens,
    trained_tokens_lost: trainedTokensLost,
    affected_ids: results.filter((r) => r.status === "truncated" || r.status === "dropped").map((r) => r.id),
  };
}

/**
 * `sealign export sft`: successful trajectories -> SFT rows in the chosen format, token
 * statistics and the dataset card. Unresolved and unvalidated trajectories are counted, not
 * exported. Written atomically: a crash leaves no partial dataset.
 */
export async function exportSft(inputs: string[], options: ExportOptions): Promise<ExportSummary> {
  const setup = loadRenderSetup(options);
  const skipped = new SkipLog();
  const counts = {
    trajectories_read: 0,
    exported: 0,
    not_resolved: 0,
    resolved_unknown: 0,
    invalid_skipped: 0,
    format_skipped: 0,
  };
  const formatSkips = new Map<string, number>();
  const results: SftResult[] = [];
  const tasks = new Set<string>();
  const writer = new JsonlWriter(options.out);
  const tick = progress(options);
  let thoughtsDropped = 0;
  let previews = 0;
  try {
    for (const input of inputs) {
      for await (const trajectory of readTrajectories(
        input,
        { skipInvalid: options.skipInvalid ?? false },
        skipped,
      )) {
        counts.trajectories_read++;
        if (trajectory.outcome.resolved !== true) {
          if (trajectory.outcome.resolved === false) counts.not_resolved++;
          else counts.resolved_unknown++;
          continue;
        }
        const result = prepareSft(setup.ctx, sftExample(trajectory), options.maxLength);
        let row: Record<string, unknown>;
        try {
          row = sftRow(options.format, result.example);
        } catch (error) {
          if (!(error instanceof FormatSkip)) throw error;
          counts.format_skipped++;
          formatSkips.set(error.message, (formatSkips.get(error.message) ?? 0) + 1);
          continue;
        }
        results.push(forStats(result));
        tasks.add(trajectory.task_id);
        thoughtsDropped += droppedThoughts(options.format, result.example.messages);
        await writer.write(row);
        counts.exported++;
        if (previews < (options.preview ?? 0)) {
          previews++;
          const tokens = renderSft(setup.ctx, result.example.messages, result.example.tools);
          const style = { color: options.previewColor ?? false };
          (options.previewWrite ?? ((t) => process.stdout.write(t)))(
            `=== example ${previews}: ${trajectory.id} (${tokenSummary(tokens.ids.length, result.trainedTokens)}, ${result.status}) ===\n` +
              `${markSpans(tokens.text, tokens, tokens.mask, style)}\n`,
          );
        }
        tick(counts.exported);
      }
    }
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  counts.invalid_skipped = skipped.count;
  tick(counts.exported, true);
  const totalTokens = results.reduce((a, r) => a + r.tokens, 0);
  const trainedTokens = results.reduce((a, r) => a + r.trainedTokens, 0);
  const notes: string[] = [];
  if (skipped.count > 0) notes.push(skipped.summary());
  if (thoughtsDropped > 0)
    notes.push(
      `${thoughtsDropped} assistant texts beside tool calls left out (they hold LLaMA-Factory's <tool_call> markers, which its parser would misread)`,
    );
  for (const [why, n] of formatSkips) notes.push(`${n} trajectories not written in this format: ${why}`);
  if (options.format === "llamafactory" || options.format === "openai")
    notes.push(
      options.format === "llamafactory"
        ? "rows end on the model's last turn (LLaMA-Factory trains the last turn and drops rows with an odd turn count); text beside a call is written before its <tool_call> block, which LLaMA-Factory 0.9.4+ reads"
        : "rows end on the model's last turn, as OpenAI's fine-tuning examples do",
    );
  if (counts.exported === 0) notes.push("no resolved trajectory: the dataset is empty");
  const card: DatasetCard = {
    schema_version: DATASET_CARD_SCHEMA,
    kind: "sft",
    format: options.format,
    file: basename(options.out),
    created_at: new Date().toISOString(),
    sealign_version: SEALIGN_VERSION,
    inputs,
    options: cardOptions(options),
    render: setup.provenance,
    counts: { ...counts, thoughts_dropped: thoughtsDropped },
    tasks: tasks.size,
    tokens: {
      per_example: countStats(results.map((r) => r.tokens)),
      trained: countStats(results.map((r) => r.trainedTokens)),
      trained_share: totalTokens > 0 ? trainedTokens / totalTokens : 0,
    },
    max_length: lengthSection(
      options.maxLength,
      results.map((r) => ({ status: r.status, cuts: r.cuts, id: r.example.id })),
      results.reduce((a, r) => a + r.truncatedTokens, 0),
      results.reduce((a, r) => a + r.trainedTokensLost, 0),
    ),
    notes,
  };
  return finish(options, card, "sft");
}

async function finish(
  options: ExportOptions,
  card: DatasetCard,
  kind: "sft" | "dpo",
): Promise<ExportSummary> {
  const paths = cardPaths(options.out);
  await writeFileAtomic(paths.json, `${JSON.stringify(card, null, 2)}\n`);
  await writeFileAtomic(paths.md, cardMarkdown(card));
  if (options.format === "llamafactory") await writeLlamaFactoryInfo(options.out, kind);
  return { out: options.out, cardPath: paths.json, card };
}

function readPairs(path: string, skipInvalid: boolean, skipped: SkipLog): AsyncGenerator<Pair> {
  return readParsed(path, parsePair, { skipInvalid, skipped });
}

/**
 * `sealign export dpo`: preference pairs -> DPO rows, fitted to max_length (prompt
 * observations shortened first; pairs whose prompt still reaches the limit are left out and
 * named in the card, as TRL would drop them anyway).
 */
export async function exportDpo(inputs: string[], options: ExportOptions): Promise<ExportSummary> {
  const setup = loadRenderSetup(options);
  const kinds = new Set(options.kinds ?? ["critical", "trajectory"]);
  const skipped = new SkipLog();
  const counts = {
    pairs_read: 0,
    exported: 0,
    critical: 0,
    trajectory: 0,
    kind_filtered: 0,
    dropped_prompt_too_long: 0,
    format_skipped: 0,
    invalid_skipped: 0,
    prefix_mismatch: 0,
  };
  const results: DpoResult[] = [];
  const tasks = new Set<string>();
  const formatSkips = new Map<string, number>();
  const writer = new JsonlWriter(options.out);
  const tick = progress(options);
  let previews = 0;
  try {
    for (const input of inputs) {
      for await (const pair of readPairs(input, options.skipInvalid ?? false, skipped)) {
        counts.pairs_read++;
        if (!kinds.has(pair.kind)) {
          counts.kind_filtered++;
          continue;
        }
        const result = prepareDpo(setup.ctx, dpoExample(pair), options.maxLength);
        results.push(result);
        if (!result.prefixConsistent) counts.prefix_mismatch++;
        if (result.status === "dropped") {
          counts.dropped_prompt_too_long++;
          continue;
        }
        let row: Record<string, unknown>;
        try {
          row = dpoRow(options.format, result.example);
        } catch (error) {
          if (!(error instanceof FormatSkip)) throw error;
          counts.format_skipped++;
          formatSkips.set(error.message, (formatSkips.get(error.message) ?? 0) + 1);
          continue;
        }
        await writer.write(row);
        counts.exported++;
        counts[pair.kind]++;
        tasks.add(pair.task_id);
        if (previews < (options.preview ?? 0)) {
          previews++;
          const r = result;
          (options.previewWrite ?? ((t) => process.stdout.write(t)))(
            `=== pair ${previews}: ${pair.id} (${pair.kind}; prompt ${r.promptTokens}, chosen ${r.chosenTokens}, rejected ${r.rejectedTokens} tokens; ${r.status}) ===\n` +
              `${previewDpo(r.rendered, { color: options.previewColor ?? false })}\n`,
          );
        }
        tick(counts.exported);
      }
    }
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  counts.invalid_skipped = skipped.count;
  tick(counts.exported, true);
  const kept = results.filter((r) => r.status !== "dropped");
  const sum = (f: (r: DpoResult) => number) => kept.reduce((a, r) => a + f(r), 0);
  const forward = sum((r) => 2 * r.promptTokens + r.chosenTokens + r.rejectedTokens);
  const notes: string[] = [];
  if (skipped.count > 0) notes.push(skipped.summary());
  for (const [why, n] of formatSkips)
    notes.push(`${n} pairs not writable in ${options.format} format: ${why}`);
  if (options.format === "openai")
    notes.push(
      "OpenAI preference fine-tuning takes text outputs only: pairs whose chosen or rejected side is a tool call are refused, not converted (a call rewritten as prose would teach the model to write calls as text); use trl or llamafactory for tool-call pairs",
    );
  if (counts.prefix_mismatch > 0)
    notes.push(
      `${counts.prefix_mismatch} pairs whose prompt tokens are not a prefix of prompt+completion (TRL warns; the template is not prefix-preserving)`,
    );
  const card: DatasetCard = {
    schema_version: DATASET_CARD_SCHEMA,
    kind: "dpo",
    format: options.format,
    file: basename(options.out),
    created_at: new Date().toISOString(),
    sealign_version: SEALIGN_VERSION,
    inputs,
    options: cardOptions(options),
    render: setup.provenance,
    counts,
    tasks: tasks.size,
    tokens: {
      per_example: countStats(kept.map((r) => r.promptTokens + Math.max(r.chosenTokens, r.rejectedTokens))),
      trained: countStats(kept.map((r) => r.chosenTokens + r.rejectedTokens)),
      trained_share: forward > 0 ? sum((r) => r.chosenTokens + r.rejectedTokens) / forward : 0,
      prompt: countStats(kept.map((r) => r.promptTokens)),
      chosen: countStats(kept.map((r) => r.chosenTokens)),
      rejected: countStats(kept.map((r) => r.rejectedTokens)),
      prefix_recompute_share: forward > 0 ? sum((r) => r.promptTokens) / forward : 0,
    },
    max_length: lengthSection(
      options.maxLength,
      results.map((r) => ({ status: r.status, cuts: r.cuts, id: r.example.id })),
      sum(
        (r) =>
          r.rendered.chosenIds.length - r.chosenTokens + r.rendered.rejectedIds.length - r.rejectedTokens,
      ),
      sum(
        (r) =>
          r.rendered.chosenIds.length - r.chosenTokens + r.rendered.rejectedIds.length - r.rejectedTokens,
      ),
    ),
    notes,
  };
  return finish(options, card, "dpo");
}
