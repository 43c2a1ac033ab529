import type { ChatMessage } from "../render/conversation.js";
import { parsedArguments } from "./messages.js";

/**
 * One dataset, three trainers' formats:
 * - `trl`: TRL conversational rows (`messages` / `prompt`,`chosen`,`rejected`) with `tools`
 *   stored as a JSON string (TRL parses a string; as a list, Arrow would merge the different
 *   tools' parameter schemas into one struct full of nulls, and the template would print them).
 * - `llamafactory`: sharegpt rows (human / gpt / function_call / observation, `system`,
 *   `tools`), preference rows for `"ranking": true` with single `chosen` / `rejected` turns.
 *   SFT rows end on the model's turn (LLaMA-Factory's SharegptDatasetConverter drops a row with
 *   an odd number of turns: "Invalid message count").
 * - `openai`: OpenAI fine-tuning JSONL: chat `messages` + `tools` (SFT, ending on the assistant
 *   as OpenAI's examples do; every assistant turn is trained), and preference rows `input` /
 *   `preferred_output` / `non_preferred_output` (DPO), whose outputs OpenAI accepts as text only:
 *   pairs with a tool-call side are refused (counted in the card), not converted.
 */
export const EXPORT_FORMATS = ["trl", "llamafactory", "openai"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** An SFT example, in chat messages. */
export interface SftExample {
  id: string;
  task_id: string;
  messages: ChatMessage[];
  tools: Record<string, unknown>[];
}

/** A DPO example, in chat messages. */
export interface DpoExample {
  id: string;
  task_id: string;
  kind: "critical" | "trajectory";
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  tools: Record<string, unknown>[];
}

/**
 * Assistant texts beside tool calls that a format cannot carry (LLaMA-Factory: only a text that
 * itself holds the `<tool_call>` markers, which would confuse its parser; see functionCallValue).
 */
export function droppedThoughts(format: ExportFormat, messages: ChatMessage[]): number {
  if (format !== "llamafactory") return 0;
  return messages.filter((m) => m.role === "assistant" && functionCallValue(m)?.dropped === true).length;
}

/**
 * The messages up to and including the last assistant turn: a row trains the model's turns, so
 * what follows the last one (the final tool result; nothing, after `finish`) is left out.
 */
export function endOnAssistant(messages: ChatMessage[]): ChatMessage[] {
  let last = messages.length - 1;
  while (last >= 0 && messages[last]!.role !== "assistant") last--;
  if (last < 0) throw new FormatSkip("the conversation has no assistant turn");
  return messages.slice(0, last + 1);
}

/** Why a row could not be written in a format (counted in the dataset card). */
export class FormatSkip extends Error {}

export function sftRow(format: ExportFormat, example: SftExample): Record<string, unknown> {
  switch (format) {
    case "trl":
      return {
        id: example.id,
        task_id: example.task_id,
        messages: example.messages,
        tools: JSON.stringify(example.tools),
      };
    case "llamafactory": {
      const { conversations, system } = sharegpt(endOnAssistant(example.messages));
      if (conversations.length % 2 !== 0 || !alternates(conversations))
        throw new FormatSkip("the turns do not alternate human/observation and gpt/function_call");
      return { id: example.id, conversations, system, tools: JSON.stringify(example.tools) };
    }
    case "openai":
      return {
        messages: endOnAssistant(example.messages).map(openaiMessage),
        tools: example.tools,
        parallel_tool_calls: true,
      };
  }
}

export function dpoRow(format: ExportFormat, example: DpoExample): Record<string, unknown> {
  switch (format) {
    case "trl":
      return {
        id: example.id,
        task_id: example.task_id,
        kind: example.kind,
        prompt: example.prompt,
        chosen: example.chosen,
        rejected: example.rejected,
        tools: JSON.stringify(example.tools),
      };
    case "llamafactory": {
      const chosen = singleTurn(example.chosen, "chosen");
      const rejected = singleTurn(example.rejected, "rejected");
      const { conversations, system } = sharegpt(example.prompt);
      if (conversations.length % 2 === 0)
        throw new FormatSkip("the prompt does not end with a human or observation turn");
      if (!alternates(conversations))
        throw new FormatSkip("the turns do not alternate human/observation and gpt/function_call");
      return {
        id: example.id,
        conversations,
        system,
        chosen,
        rejected,
        tools: JSON.stringify(example.tools),
      };
    }
    case "openai": {
      if (example.chosen.length !== 1 || example.rejected.length !== 1)
        throw new FormatSkip("OpenAI preference data takes one assistant message per side");
      // OpenAI's preference fine-tuning accepts text outputs only; a call rewritten as text
      // would teach the model to write calls as prose, so such pairs are refused
      if (
        [...example.chosen, ...example.rejected].some(
          (m) => Array.isArray(m.tool_calls) && m.tool_calls.length > 0,
        )
      )
        throw new FormatSkip(
          "OpenAI preference fine-tuning accepts text outputs only: a side is a tool call",
        );
      return {
        input: {
          messages: example.prompt.map(openaiMessage),
          tools: example.tools,
          parallel_tool_calls: true,
        },
        preferred_output: example.chosen.map(openaiMessage),
        non_preferred_output: example.rejected.map(openaiMessage),
      };
    }
  }
}

function openaiMessage(message: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role, content: message.content };
  if (message.role === "assistant") {
    if (message.tool_calls) out.tool_calls = message.tool_calls;
    if (out.content === "" && message.tool_calls) out.content = null;
  }
  if (message.role === "tool") out.tool_call_id = message.tool_call_id;
  return out;
}

/**
 * LLaMA-Factory's SharegptDatasetConverter accepts a row only when turns alternate: human or
 * observation at even positions, gpt or function_call at odd ones ("Invalid role tag").
 */
function alternates(conversations: ShareGptTurn[]): boolean {
  return conversations.every((turn, i) =>
    i % 2 === 0
      ? turn.from === "human" || turn.from === "observation"
      : turn.from === "gpt" || turn.from === "function_call",
  );
}

interface ShareGptTurn {
  from: "human" | "gpt" | "function_call" | "observation";
  value: string;
}

/** LLaMA-Factory's default `tool_call_words` (data/template.py, register_template). */
const TOOL_CALL_OPEN = "<tool_call>";
const TOOL_CALL_CLOSE = "</tool_call>";

/**
 * A function_call turn's value. LLaMA-Factory's FunctionFormatter (data/formatter.py, 0.9.4+)
 * reads the calls as JSON (one object or a list of {name, arguments}) and, when the value holds
 * `<tool_call>...</tool_call>`, takes the JSON from inside and keeps the text around it as the
 * turn's text: so the model's text beside its calls is written before the block, with the
 * newline Qwen's own layout has. A text that itself holds the markers would be misparsed: it
 * is left out (`dropped`, counted as `thoughts_dropped` in the card).
 */
function functionCallValue(message: ChatMessage): { value: string; dropped: boolean } | null {
  const calls = (message.tool_calls as { function: { name: string; arguments: string } }[] | null) ?? [];
  if (calls.length === 0) return null;
  const json = JSON.stringify(
    calls.length === 1
      ? { name: calls[0]!.function.name, arguments: parsedArguments(calls[0]!.function.arguments) }
      : calls.map((c) => ({ name: c.function.name, arguments: parsedArguments(c.function.arguments) })),
  );
  const text = String(message.content ?? "");
  if (!text.trim()) return { value: json, dropped: false };
  if ([text, json].some((t) => t.includes(TOOL_CALL_OPEN) || t.includes(TOOL_CALL_CLOSE)))
    return { value: json, dropped: true };
  return { value: `${text.replace(/\n+$/, "")}\n${TOOL_CALL_OPEN}${json}${TOOL_CALL_CLOSE}`, dropped: false };
}

function assistantTurn(message: ChatMessage): ShareGptTurn {
  const call = functionCallValue(message);
  if (call) return { from: "function_call", value: call.value };
  return { from: "gpt", value: String(message.content ?? "") };
}

function singleTurn(messages: ChatMessage[], side: string): ShareGptTurn {
  if (messages.length !== 1 || messages[0]!.role !== "assistant")
    throw new FormatSkip(`LLaMA-Factory ranking rows take one assistant turn as ${side}`);
  return assistantTurn(messages[0]!);
}

/**
 * Chat messages -> sharegpt turns. Consecutive tool results merge into one observation turn
 * (sharegpt alternates strictly); a system message becomes the `system` field.
 */
export function sharegpt(messages: ChatMessage[]): { conversations: ShareGptTurn[]; system: string } {
  const conversations: ShareGptTurn[] = [];
  let system = "";
  for (const message of messages) {
    const text = String(message.content ?? "");
    if (message.role === "system" && conversations.length === 0)
      system = system ? `${system}\n${text}` : text;
    else if (message.role === "assistant") {
      const turn = assistantTurn(message);
      const last = conversations.at(-1);
      // two model turns in a row (a text reply, then a call) alternate no more: a text turn
      // joins the next one as its text
      if (last?.from === "gpt" && turn.from === "gpt") last.value += `\n${turn.value}`;
      else if (last?.from === "gpt" && turn.from === "function_call") {
        conversations.pop();
        conversations.push(
          assistantTurn({ ...message, content: `${last.value}\n${String(message.content ?? "")}` }),
        );
      } else conversations.push(turn);
    } else {
      const from = message.role === "tool" ? "observation" : "human";
      const last = conversations.at(-1);
      if (last && (last.from === "observation" || last.from === "human")) last.value += `\n${text}`;
      else conversations.push({ from, value: text });
    }
  }
  return { conversations, system };
}

/** LLaMA-Factory's dataset_info.json entry for a file written by sealign. */
export function llamafactoryDatasetInfo(fileName: string, kind: "sft" | "dpo"): Record<string, unknown> {
  const columns: Record<string, string> = { messages: "conversations", system: "system", tools: "tools" };
  if (kind === "dpo") Object.assign(columns, { chosen: "chosen", rejected: "rejected" });
  return {
    file_name: fileName,
    formatting: "sharegpt",
    ...(kind === "dpo" ? { ranking: true } : {}),
    columns,
  };
}
