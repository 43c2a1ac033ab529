import { type RenderContext, renderSft } from "../render/conversation.js";
import { type ObservationCut, observationIndices, shortenObservations } from "../render/shorten.js";
import type { Trajectory } from "../schema/trajectory.js";
import type { SftExample } from "./formats.js";
import { toChatMessages, toToolSchemas } from "./messages.js";

/**
 * SFT examples from trajectories: a successful trajectory (outcome.resolved === true) is one
 * conversational example. Its actions (assistant turns) are trained; system, task and
 * observations are masked by the template's generation spans.
 */

/** What max_length did to one example. */
export type LengthStatus = "fits" | "shortened" | "truncated" | "dropped";

export interface SftResult {
  example: SftExample;
  tokens: number;
  trainedTokens: number;
  status: LengthStatus;
  cuts: ObservationCut[];
  /** Tokens past max_length that TRL will cut off (and of them, trained ones). */
  truncatedTokens: number;
  trainedTokensLost: number;
}

/**
 * The result as kept for the dataset card once its row is written: the figures and the ids,
 * without the messages (an export keeps one per example; with messages, memory grew with the
 * whole dataset instead of the longest trajectory).
 */
export function forStats(result: SftResult): SftResult {
  return { ...result, example: { ...result.example, messages: [], tools: [] } };
}

export function sftExample(trajectory: Trajectory): SftExample {
  return {
    id: trajectory.id,
    task_id: trajectory.task_id,
    messages: toChatMessages(trajectory.messages),
    tools: toToolSchemas(trajectory.tools),
  };
}

/**
 * Render an SFT example and fit it into `maxLength`: observations are shortened first; what is
 * still too long will be truncated by TRL (keep_start), which is reported.
 */
export function prepareSft(ctx: RenderContext, example: SftExample, maxLength?: number): SftResult {
  let tokens = renderSft(ctx, example.messages, example.tools);
  let current = example;
  let cuts: ObservationCut[] = [];
  let status: LengthStatus = "fits";
  if (maxLength !== undefined && tokens.ids.length > maxLength) {
    const shortened = shortenObservations(
      ctx.tokenizer,
      example.messages,
      observationIndices(example.messages),
      (messages) => renderSft(ctx, messages, example.tools).ids.length - maxLength,
    );
    cuts = shortened.cuts;
    if (cuts.length > 0) {
      current = { ...example, messages: shortened.messages };
      tokens = renderSft(ctx, current.messages, current.tools);
    }
    status = tokens.ids.length <= maxLength ? "shortened" : "truncated";
  }
  const limit = Math.min(maxLength ?? tokens.ids.length, tokens.ids.length);
  // Sums in place: slicing the mask copied it twice (tens of millions of tokens for a long run).
  let trained = 0;
  let lost = 0;
  for (let i = 0; i < tokens.mask.length; i++) {
    if (i < limit) trained += tokens.mask[i]!;
    else lost += tokens.mask[i]!;
  }
  return {
    example: current,
    tokens: limit,
    trainedTokens: trained,
    status,
    cuts,
    truncatedTokens: tokens.ids.length - limit,
    trainedTokensLost: lost,
  };
}
