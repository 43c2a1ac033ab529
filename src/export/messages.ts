import type { ChatMessage } from "../render/conversation.js";
import { assertNoSentinels } from "../render/template.js";
import { contentText } from "../schema/content.js";
import type { Message, Tool } from "../schema/trajectory.js";

/**
 * Trajectory messages -> the chat messages every export format starts from (TRL's
 * conversational shape). Every message carries the same keys, null where they do not apply:
 * `datasets` loads JSON rows into Arrow structs that have the union of all keys anyway, so
 * writing them out makes the rows the trainer's template sees identical to the ones sealign
 * renders (a template testing `is defined` would otherwise disagree).
 *
 * Tool-call arguments stay the raw JSON string the model produced (the Qwen templates print a
 * string as is), which also keeps Arrow from merging different tools' arguments into one struct.
 */
export function toChatMessages(messages: readonly Message[], where = "messages"): ChatMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message, i) => {
    const content = contentText(message.content);
    assertNoSentinels(content, `${where}[${i}].content`);
    const out: ChatMessage = {
      role: message.role,
      content,
      reasoning_content: null,
      tool_calls: null,
      tool_call_id: null,
      name: null,
    };
    if (message.role === "assistant") {
      if (typeof message.reasoning_content === "string" && message.reasoning_content.length > 0)
        out.reasoning_content = message.reasoning_content;
      if (message.tool_calls && message.tool_calls.length > 0) {
        out.tool_calls = message.tool_calls.map((call) => {
          toolNames.set(call.id, call.function.name);
          assertNoSentinels(call.function.arguments, `${where}[${i}].tool_calls`);
          return {
            id: call.id,
            type: "function",
            function: { name: call.function.name, arguments: call.function.arguments },
          };
        });
      }
    } else if (message.role === "tool") {
      out.tool_call_id = message.tool_call_id;
      out.name = message.name ?? toolNames.get(message.tool_call_id) ?? null;
    }
    return out;
  });
}

/** Tools as plain OpenAI function schemas (extra fields kept). */
export function toToolSchemas(tools: readonly Tool[]): Record<string, unknown>[] {
  return tools.map((tool) => JSON.parse(JSON.stringify(tool)) as Record<string, unknown>);
}

/** Parsed tool-call arguments for formats that want an object (LLaMA-Factory), else the raw string. */
export function parsedArguments(raw: string): unknown {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : raw;
  } catch {
    return raw;
  }
}
