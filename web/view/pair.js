// A critical pair (#/pair/<id>, and inline on a tree's critical node): the shared prefix folded,
// then chosen and rejected side by side with the words that differ marked, each side linked to
// the trajectories that took it.

import { contentText, renderAction, renderConversation } from "./conversation.js";
import { api, enc, h, link } from "./dom.js";
import { wordDiff } from "./worddiff.js";

/**
 * @typedef {import("../../src/view/api-types.js").Pair} Pair
 * @typedef {import("../../src/view/api-types.js").Message} Message
 * @typedef {import("../../src/view/api-types.js").ToolCall} ToolCall
 * @typedef {import("./worddiff.js").Segment} Segment
 */

/** @param {string} id */
export async function pairPage(id) {
  const pair = await api("pair", { id });
  return h(
    "div",
    { class: "page pair" },
    h(
      "div",
      { class: "crumbs" },
      link("#/", "overview"),
      " / ",
      link(`#/pairs?task=${enc(pair.task_id)}`, "pairs"),
      " / pair",
    ),
    h("h1", null, pair.id),
    renderPair(pair),
  );
}

/** @param {Segment[]} segments */
function marked(segments) {
  return segments.map((s) => (s.changed ? h("mark", { class: "wd" }, s.text) : s.text));
}

/**
 * A tool call's arguments as {key: text} (null when they are not a JSON object).
 * @param {ToolCall | undefined} call
 * @returns {Record<string, string> | null}
 */
function argsOf(call) {
  try {
    const parsed = JSON.parse(call?.function?.arguments ?? "");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return Object.fromEntries(
        Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
      );
    }
  } catch {
    // compared as raw text below
  }
  return null;
}

/**
 * One side's action with the words that differ from the other side's marked: its thought, then
 * each tool call's arguments compared key by key with the other's call at the same place.
 * @param {Message} message
 * @param {Message | undefined} other
 */
function actionAgainst(message, other) {
  if (message.role !== "assistant" || other?.role !== "assistant") return renderAction(message);
  /** @type {HTMLElement[]} */
  const parts = [];
  const thought = [message.reasoning_content ?? "", contentText(message.content)].filter(Boolean).join("\n");
  const otherThought = [other.reasoning_content ?? "", contentText(other.content)].filter(Boolean).join("\n");
  if (thought)
    parts.push(
      h(
        "div",
        { class: "thought" },
        h("span", { class: "lbl" }, "thought"),
        h("pre", { class: "pre wrap" }, marked(wordDiff(thought, otherThought)[0])),
      ),
    );
  const calls = message.tool_calls ?? [];
  const otherCalls = other.tool_calls ?? [];
  calls.forEach((call, i) => {
    const peer = otherCalls[i];
    const name = call.function?.name ?? "?";
    const sameTool = peer?.function?.name === name;
    const box = h(
      "div",
      { class: "call" },
      h("div", { class: "call-name" }, "⚙ ", sameTool ? name : h("mark", { class: "wd" }, name)),
    );
    const args = argsOf(call);
    const peerArgs = argsOf(peer);
    if (!args) {
      box.append(
        h("div", { class: "warn" }, "arguments are not a JSON object:"),
        h(
          "pre",
          { class: "pre wrap" },
          marked(wordDiff(call.function?.arguments ?? "", peer?.function?.arguments ?? "")[0]),
        ),
      );
    } else {
      for (const [key, text] of Object.entries(args)) {
        const against = peerArgs?.[key];
        const body =
          against === undefined ? [h("mark", { class: "wd" }, text)] : marked(wordDiff(text, against)[0]);
        box.append(
          h("div", { class: "arg" }, h("span", { class: "arg-key" }, key)),
          h("pre", { class: "pre wrap code" }, body),
        );
      }
    }
    parts.push(box);
  });
  if (parts.length === 0) parts.push(h("div", { class: "muted" }, "(empty message)"));
  return parts;
}

/**
 * A pair: meta, the shared prefix (folded), then chosen and rejected side by side.
 * @param {Pair} pair
 */
export function renderPair(pair) {
  const m = pair.meta;
  const prefix = h(
    "details",
    { class: "prefix" },
    h("summary", null, `shared prefix: ${pair.prompt.length} messages, ${m.depth} actions`),
    renderConversation(pair.prompt),
  );
  const last = pair.prompt.slice(-2);
  /**
   * @param {string} name
   * @param {Message[]} messages
   * @param {Message[]} others
   * @param {number} score
   * @param {number} visits
   * @param {string[]} ids
   */
  const side = (name, messages, others, score, visits, ids) =>
    h(
      "div",
      { class: `side ${name}` },
      h("h3", null, name, " ", h("span", { class: "muted" }, `score ${score.toFixed(2)} · ${visits} visits`)),
      pair.kind === "critical"
        ? messages.map((msg, i) => h("div", { class: "msg assistant" }, actionAgainst(msg, others[i])))
        : renderConversation(messages, { startStep: m.depth }),
      ids.length
        ? h(
            "div",
            { class: "muted small side-trajs" },
            `${ids.length} trajector${ids.length > 1 ? "ies" : "y"}: `,
            ids.slice(0, 10).map((x, i) => [i ? ", " : "", link(`#/trajectory/${enc(x)}`, x)]),
            ids.length > 10 ? ` … and ${ids.length - 10} more` : "",
          )
        : null,
    );
  return h(
    "div",
    { class: "pair-view", "data-pair": pair.id },
    h(
      "p",
      null,
      `${pair.kind} pair · task `,
      link(`#/task/${enc(pair.task_id)}`, pair.task_id),
      ` · gap ${m.gap.toFixed(2)} · depth ${m.depth} · parent visits ${m.parent_visits} · `,
      link(
        `#/tree/${enc(pair.task_id)}${typeof m.decision_node_id === "string" ? `/${enc(m.decision_node_id)}` : ""}`,
        "its node in the tree",
      ),
    ),
    prefix,
    last.length
      ? h(
          "div",
          { class: "prefix-tail" },
          h("div", { class: "muted small" }, "…last of the prefix:"),
          renderConversation(last, { startStep: m.depth - 1 }),
        )
      : null,
    h(
      "div",
      { class: "sides" },
      side("chosen", pair.chosen, pair.rejected, m.chosen_score, m.chosen_visits, m.chosen_trajectory_ids),
      side(
        "rejected",
        pair.rejected,
        pair.chosen,
        m.rejected_score,
        m.rejected_visits,
        m.rejected_trajectory_ids,
      ),
    ),
  );
}
