import type { ChatMessage } from "./conversation.js";
import type { ChatTokenizer } from "./tokenizer.js";

/**
 * Fitting long agent conversations into `max_length` by shortening observations rather than
 * losing the example: TRL's DPO drops an example whose prompt alone reaches the limit, and its
 * SFT silently cuts the end (the latest, often most instructive actions). Tool output is the
 * bulk of an agent's context and the part the model does not learn, so sealign cuts the middle
 * of observations (head and tail are what an agent looks at), oldest first, leaving a marker.
 */

/** One shortened observation. */
export interface ObservationCut {
  /** Index of the message in the conversation it belongs to. */
  message: number;
  tokensBefore: number;
  tokensAfter: number;
}

export interface ShortenOptions {
  /** Tokens always kept of an observation (head + tail). Default 32. */
  minKeep?: number;
  /** Passes over the observations before giving up. Default 6. */
  maxPasses?: number;
}

export function cutMarker(tokens: number): string {
  return `\n[... ${tokens} tokens cut by sealign to fit max_length ...]\n`;
}

/**
 * Remove about `removeTokens` tokens from the middle of `text` (keeping at least `minKeep`),
 * at token boundaries. Returns the new text and the tokens it has alone.
 */
export function cutMiddle(
  tokenizer: ChatTokenizer,
  text: string,
  removeTokens: number,
  minKeep: number,
): { text: string; tokensBefore: number; tokensAfter: number } | null {
  const { ids, starts, ends } = tokenizer.encodeWithOffsets(text);
  const total = ids.length;
  const marker = tokenizer.encode(cutMarker(total)).length;
  const keep = Math.max(minKeep, total - removeTokens - marker);
  if (keep + marker >= total) return null;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  const headEnd = head > 0 ? ends[head - 1]! : 0;
  const tailStart = tail > 0 ? starts[total - tail]! : text.length;
  const removed = total - keep;
  const out = text.slice(0, headEnd) + cutMarker(removed) + text.slice(tailStart);
  return { text: out, tokensBefore: total, tokensAfter: tokenizer.encode(out).length };
}

/** Messages sealign may shorten: tool results, and user turns after the first action. */
export function observationIndices(messages: ChatMessage[]): number[] {
  const firstAction = messages.findIndex((m) => m.role === "assistant");
  if (firstAction < 0) return [];
  const out: number[] = [];
  messages.forEach((m, i) => {
    if (i > firstAction && (m.role === "tool" || m.role === "user") && typeof m.content === "string")
      out.push(i);
  });
  return out;
}

/**
 * Shorten observations, oldest first, until `excess(messages)` (tokens over the limit) is <= 0
 * or nothing more can be cut. Returns the new messages (the input is not changed), the cuts,
 * and the excess left.
 */
export function shortenObservations(
  tokenizer: ChatTokenizer,
  messages: ChatMessage[],
  eligible: number[],
  excess: (messages: ChatMessage[]) => number,
  options: ShortenOptions = {},
): { messages: ChatMessage[]; cuts: ObservationCut[]; excess: number } {
  const minKeep = options.minKeep ?? 32;
  const current = messages.map((m) => ({ ...m }));
  const cuts = new Map<number, ObservationCut>();
  let over = excess(current);
  for (let pass = 0; pass < (options.maxPasses ?? 6) && over > 0; pass++) {
    let progressed = false;
    for (const index of eligible) {
      if (over <= 0) break;
      const content = current[index]!.content as string;
      // A few tokens of slack: the text re-tokenizes a little differently inside the template.
      const result = cutMiddle(tokenizer, content, over + 8, minKeep);
      if (!result || result.tokensAfter >= result.tokensBefore) continue;
      current[index] = { ...current[index]!, content: result.text };
      const previous = cuts.get(index);
      cuts.set(index, {
        message: index,
        tokensBefore: previous?.tokensBefore ?? result.tokensBefore,
        tokensAfter: result.tokensAfter,
      });
      progressed = true;
      // Estimate from the cut alone; render the whole conversation again only when the
      // estimate says it fits (and after each pass): a full render per observation made a
      // 50 MB trajectory cost hundreds of renders.
      over -= result.tokensBefore - result.tokensAfter;
      if (over <= 0) over = excess(current);
    }
    if (!progressed) break;
    over = excess(current);
  }
  return { messages: current, cuts: [...cuts.values()].sort((a, b) => a.message - b.message), excess: over };
}
