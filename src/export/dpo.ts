import { type DpoTokens, type RenderContext, renderDpo } from "../render/conversation.js";
import { type ObservationCut, observationIndices, shortenObservations } from "../render/shorten.js";
import type { Pair } from "../schema/pair.js";
import type { DpoExample } from "./formats.js";
import { toChatMessages, toToolSchemas } from "./messages.js";
import type { LengthStatus } from "./sft.js";

/**
 * DPO examples from preference pairs (critical pairs, and the trajectory-level pairs of the
 * "w/o fine-grained score" ablation). TRL drops a pair whose prompt alone reaches max_length and
 * cuts the completions of one that does not fit (keep_start), so sealign shortens the prompt's
 * observations until prompt + the longer completion fit, and reports what it could not save.
 */
export interface DpoResult {
  example: DpoExample;
  promptTokens: number;
  /** Completion tokens TRL keeps after truncation. */
  chosenTokens: number;
  rejectedTokens: number;
  status: LengthStatus;
  cuts: ObservationCut[];
  prefixConsistent: boolean;
  rendered: DpoTokens;
}

export function dpoExample(pair: Pair): DpoExample {
  const prompt = toChatMessages(pair.prompt, "prompt");
  return {
    id: pair.id,
    task_id: pair.task_id,
    kind: pair.kind,
    prompt,
    chosen: toChatMessages(pair.chosen, "chosen"),
    rejected: toChatMessages(pair.rejected, "rejected"),
    tools: toToolSchemas(pair.tools),
  };
}

export function prepareDpo(ctx: RenderContext, example: DpoExample, maxLength?: number): DpoResult {
  const render = (prompt = example.prompt) =>
    renderDpo(ctx, prompt, example.chosen, example.rejected, example.tools);
  let rendered = render();
  let current = example;
  let cuts: ObservationCut[] = [];
  const need = (r: DpoTokens) => r.promptIds.length + Math.max(r.chosenIds.length, r.rejectedIds.length);
  let status: LengthStatus = "fits";
  if (maxLength !== undefined && need(rendered) > maxLength) {
    const shortened = shortenObservations(
      ctx.tokenizer,
      example.prompt,
      observationIndices(example.prompt),
      (prompt) => need(render(prompt)) - maxLength,
    );
    cuts = shortened.cuts;
    if (cuts.length > 0) {
      current = { ...example, prompt: shortened.messages };
      rendered = render(current.prompt);
    }
    const promptTokens = rendered.promptIds.length;
    status = need(rendered) <= maxLength ? "shortened" : promptTokens >= maxLength ? "dropped" : "truncated";
  }
  const room =
    maxLength === undefined ? Number.POSITIVE_INFINITY : Math.max(0, maxLength - rendered.promptIds.length);
  return {
    example: current,
    promptTokens: rendered.promptIds.length,
    chosenTokens: Math.min(rendered.chosenIds.length, room),
    rejectedTokens: Math.min(rendered.rejectedIds.length, room),
    status,
    cuts,
    prefixConsistent: rendered.prefixConsistent,
    rendered,
  };
}
