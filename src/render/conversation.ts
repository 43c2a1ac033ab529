import { assistantTokenMask } from "./mask.js";
import { type ChatTemplate, CompiledTemplate, sftTrainingTemplate } from "./template.js";
import type { ChatTokenizer } from "./tokenizer.js";

/**
 * Token-exact rendering of training examples, mirroring TRL 1.x:
 * - SFT (conversational, `assistant_only_loss`): the whole conversation rendered with the
 *   training template, tokenized without added special tokens, trained tokens = generation
 *   spans; truncated to `max_length` keeping the start.
 * - DPO (conversational): prompt rendered with `add_generation_prompt`, prompt+chosen and
 *   prompt+rejected rendered whole; chosen/rejected ids = the tokens after the prompt's.
 */

/** A chat message as exported (OpenAI/TRL shape). */
export type ChatMessage = Record<string, unknown> & { role: string };

/** The templates and tokenizer one export renders with. */
export interface RenderContext {
  tokenizer: ChatTokenizer;
  /** The template SFT trains with (has generation markers). */
  sft: CompiledTemplate;
  /** The model's own template, which DPO renders with. */
  dpo: CompiledTemplate;
  /** Extra template variables (e.g. enable_thinking), as `chat_template_kwargs`. */
  extra?: Record<string, unknown>;
}

/** Build a render context from the model's chat template. */
export function renderContext(
  tokenizer: ChatTokenizer,
  modelTemplate: ChatTemplate,
  extra?: Record<string, unknown>,
): RenderContext {
  return {
    tokenizer,
    sft: new CompiledTemplate(sftTrainingTemplate(modelTemplate)),
    dpo: new CompiledTemplate(modelTemplate),
    ...(extra ? { extra } : {}),
  };
}

/** One SFT example as the trainer sees it (before truncation). */
export interface SftTokens {
  text: string;
  ids: number[];
  /** 1 = trained (assistant) token. */
  mask: number[];
  starts: Int32Array;
  ends: Int32Array;
}

export function renderSft(ctx: RenderContext, messages: ChatMessage[], tools: unknown[]): SftTokens {
  const { text, spans } = ctx.sft.render({
    messages,
    tools,
    special: ctx.tokenizer.specialTokens,
    ...(ctx.extra ? { extra: ctx.extra } : {}),
  });
  const { ids, starts, ends } = ctx.tokenizer.encodeWithOffsets(text);
  return { text, ids, mask: assistantTokenMask({ starts, ends }, spans), starts, ends };
}

/** One DPO example's token counts as the trainer sees it. */
export interface DpoTokens {
  promptIds: number[];
  chosenIds: number[];
  rejectedIds: number[];
  /** False when the prompt's tokens are not a prefix of prompt+chosen (TRL warns then). */
  prefixConsistent: boolean;
  promptText: string;
  chosenText: string;
  rejectedText: string;
}

export function renderDpo(
  ctx: RenderContext,
  prompt: ChatMessage[],
  chosen: ChatMessage[],
  rejected: ChatMessage[],
  tools: unknown[],
): DpoTokens {
  const base = { tools, special: ctx.tokenizer.specialTokens, ...(ctx.extra ? { extra: ctx.extra } : {}) };
  const promptText = ctx.dpo.render({ ...base, messages: prompt, add_generation_prompt: true }).text;
  const chosenFull = ctx.dpo.render({ ...base, messages: [...prompt, ...chosen] }).text;
  const rejectedFull = ctx.dpo.render({ ...base, messages: [...prompt, ...rejected] }).text;
  const promptIds = ctx.tokenizer.encode(promptText);
  const chosenAll = ctx.tokenizer.encode(chosenFull);
  const rejectedAll = ctx.tokenizer.encode(rejectedFull);
  const isPrefix = (all: number[]) => promptIds.every((id, i) => all[i] === id);
  return {
    promptIds,
    chosenIds: chosenAll.slice(promptIds.length),
    rejectedIds: rejectedAll.slice(promptIds.length),
    prefixConsistent: isPrefix(chosenAll) && isPrefix(rejectedAll),
    promptText,
    chosenText: chosenFull.startsWith(promptText) ? chosenFull.slice(promptText.length) : chosenFull,
    rejectedText: rejectedFull.startsWith(promptText) ? rejectedFull.slice(promptText.length) : rejectedFull,
  };
}
