import type { ChatMessage } from "../render/conversation.js";
import { parsedArguments } from "./messages.js";

/**
 * One dataset, three trainers' formats:
 * - `trl`: TRL conversational rows (`messages` / `prompt`,`chosen`,`rejected`) with `tools`
 *   stored as a JSON string (TRL parses a string; as a list, Arrow would merge the different
 *   tools' parameter schemas into one struct full of nulls, and the template would print them).
 * - `llamafactory`: sharegpt rows (human / gpt / function_call / observation, `system`,
 *   `tools`), preference rows for `"ranking": true` with single `chosen` / `rejected` turns.
 * - `openai`: OpenAI fine-tuning JSONL: chat `messages` + `tools` (SFT, assistant `weight` 0 on
 *   nothing: every assistant turn is trained), and preference rows `input` /
 *   `preferred_output` / `non_preferred_output` (DPO).
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

/** Assistant turns whose text a format cannot carry beside their tool calls (LLaMA-Factory). */
export function droppedThoughts(format: ExportFormat, messages: ChatMessage[]): number {
  if (format !== "llamafactory") return 0;
  return messages.filter(
    (m) => m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && m.content,
  ).length;
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
    case "llamafactory":
      return { id: example.id, ...sharegpt(example.messages), tools: JSON.stringify(example.tools) };
    case "openai":
      return {
        messages: example.messages.map(openaiMessage),
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

interface ShareGptTurn {
  from: "human" | "gpt" | "function_call" | "observation";
  value: string;
}

function assistantTurn(message: ChatMessage): ShareGptTurn {
  const calls = (message.tool_calls as { function: { name: string; arguments: string } }[] | null) ?? [];
  if (calls.length === 0) return { from: "gpt", value: String(message.content ?? "") };
  const json = calls.map((c) => ({
    name: c.function.name,
    arguments: parsedArguments(c.function.arguments),
  }));
  // LLaMA-Factory parses a function_call turn as JSON: text beside the call has no place there
  // and is left out (counted as `thoughts_dropped` in the dataset card).
  return { from: "function_call", value: JSON.stringify(json.length === 1 ? json[0] : json) };
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
    else if (message.role === "assistant") conversations.push(assistantTurn(message));
    else {
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
