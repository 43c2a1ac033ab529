import { highlightCode } from "./diff.js";
import { folded, h } from "./dom.js";

/**
 * @typedef {import("../../src/view/api-types.js").Message} Message
 * @typedef {import("../../src/view/api-types.js").ToolCall} ToolCall
 */

/**
 * The text of OpenAI message content (string, list of parts, or null).
 * @param {Message["content"] | undefined} content
 */
export function contentText(content) {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((p) => (typeof p.text === "string" ? p.text : "")).join("");
}

/** @param {unknown} path */
function languageOfPath(path) {
  if (typeof path !== "string") return null;
  if (path.endsWith(".py")) return "py";
  if (/\.(m?js|cjs|jsx)$/.test(path)) return "js";
  if (/\.tsx?$/.test(path)) return "ts";
  return null;
}

/**
 * One tool call: name, then each argument (code-like ones as highlighted blocks).
 * @param {ToolCall} call
 */
export function renderCall(call) {
  const raw = call.function?.arguments ?? "";
  /** @type {Record<string, unknown> | null} */
  let args = null;
  try {
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed;
  } catch {
    // shown raw below, marked as not JSON
  }
  const box = h("div", { class: "call" }, h("div", { class: "call-name" }, "⚙ ", call.function?.name ?? "?"));
  if (!args) {
    box.append(
      h("div", { class: "warn" }, "arguments are not a JSON object:"),
      h("pre", { class: "pre" }, raw),
    );
    return box;
  }
  const lang = languageOfPath(args.path);
  for (const [key, value] of Object.entries(args)) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (text.includes("\n") || text.length > 80) {
      const code = ["file_text", "old_str", "new_str"].includes(key) ? lang : null;
      box.append(
        h("div", { class: "arg" }, h("span", { class: "arg-key" }, key)),
        h(
          "pre",
          { class: "pre code" },
          ...text.split("\n").flatMap((l, i) => [i ? "\n" : "", ...highlightCode(l, code)]),
        ),
      );
    } else {
      box.append(
        h("div", { class: "arg" }, h("span", { class: "arg-key" }, key), " ", h("code", null, text)),
      );
    }
  }
  return box;
}

/**
 * One assistant action: thought (reasoning + text) and tool calls. Another message (a tree
 * node's prompt) shows its text only.
 * @param {Message} message
 */
export function renderAction(message) {
  /** @type {HTMLElement[]} */
  const parts = [];
  const assistant = message.role === "assistant" ? message : null;
  if (assistant?.reasoning_content)
    parts.push(
      h(
        "div",
        { class: "thought" },
        h("span", { class: "lbl" }, "reasoning"),
        folded(assistant.reasoning_content, 20),
      ),
    );
  const text = contentText(message.content);
  if (text)
    parts.push(h("div", { class: "thought" }, h("span", { class: "lbl" }, "thought"), folded(text, 20)));
  for (const call of assistant?.tool_calls ?? []) parts.push(renderCall(call));
  if (parts.length === 0) parts.push(h("div", { class: "muted" }, "(empty message)"));
  return parts;
}

/**
 * The conversation as the model saw it, one card per message. Tool results are labelled with
 * the call they answer; long prompts and observations are folded.
 * @param {Message[]} messages
 * @param {{startStep?: number}} [options]
 */
export function renderConversation(messages, options = {}) {
  /** @type {Map<string, string>} */
  const calls = new Map();
  let step = options.startStep ?? 0;
  const list = h("div", { class: "conv" });
  for (const message of messages) {
    const role = message.role;
    if (role === "assistant") {
      step++;
      for (const call of message.tool_calls ?? []) calls.set(call.id, call.function?.name);
      list.append(
        h(
          "div",
          { class: "msg assistant", "data-step": step },
          h("div", { class: "role" }, `step ${step} · assistant`),
          renderAction(message),
        ),
      );
    } else if (role === "tool") {
      const name = message.name ?? calls.get(message.tool_call_id) ?? "tool";
      list.append(
        h(
          "div",
          { class: "msg tool" },
          h("div", { class: "role" }, `observation · ${name}`),
          folded(contentText(message.content), 15),
        ),
      );
    } else {
      list.append(
        h(
          "div",
          { class: `msg ${role}` },
          h("div", { class: "role" }, role),
          folded(contentText(message.content), role === "system" ? 6 : 15),
        ),
      );
    }
  }
  return list;
}

/**
 * A strip of the steps (tool names), each jumping to its step: long trajectories have dozens.
 * @param {Message[]} messages
 * @param {HTMLElement} conversation what renderConversation returned
 */
export function stepStrip(messages, conversation) {
  let step = 0;
  const chips = [];
  for (const message of messages) {
    if (message.role !== "assistant") continue;
    step++;
    const n = step;
    const tools = (message.tool_calls ?? []).map((c) => c.function?.name ?? "?");
    chips.push(
      h(
        "button",
        {
          type: "button",
          class: "chip",
          title: `step ${n}`,
          onclick: () =>
            conversation.querySelector(`[data-step="${n}"]`)?.scrollIntoView({ behavior: "smooth" }),
        },
        `${n} ${tools.join("+") || "text"}`,
      ),
    );
  }
  return h("div", { class: "steps", id: "step-strip" }, chips);
}
