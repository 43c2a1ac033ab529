// The corpus-wide trajectories page (#/trajectories?outcome=failed&exit_reason=stuck&...): every
// trajectory of every run and task in one virtualised table, filtered and sorted on the server.

import { short } from "./charts.js";
import { api, enc, h, link, outcomeBadge } from "./dom.js";
import { virtualList } from "./vlist.js";

/** @typedef {import("./dom.js").Param} Param */

/** The filters the page (and /api/trajectories) take, in the order the form shows them. */
export const TRAJECTORY_FILTERS = [
  "q",
  "outcome",
  "exit_reason",
  "empty_patch",
  "tool_errors",
  "stuck",
  "task",
  "run",
  "model",
  "min_turns",
  "max_turns",
  "min_tokens",
  "max_tokens",
  "sort",
];

const LIST_KEY = "sealign.view.list";

/**
 * Remember the list a trajectory is opened from: its page steps to the next one in it.
 * @param {Record<string, Param>} params the list's /api/trajectories filters
 */
export function rememberList(params) {
  sessionStorage.setItem(LIST_KEY, JSON.stringify(params));
}

/**
 * The list rememberList kept for this tab (null without one).
 * @returns {Record<string, Param> | null}
 */
export function rememberedList() {
  try {
    return JSON.parse(sessionStorage.getItem(LIST_KEY) ?? "null");
  } catch {
    return null;
  }
}

/**
 * The hash of the trajectories page with these filters (empty ones left out).
 * @param {Record<string, Param>} filters
 */
export function trajectoriesHref(filters) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(filters))
    if (v !== undefined && v !== null && v !== "") query.set(k, String(v));
  const qs = query.toString();
  return `#/trajectories${qs ? `?${qs}` : ""}`;
}

/** @type {[label: string, sort: string][]} */
const COLUMNS = [
  ["trajectory", "id"],
  ["task", "task"],
  ["run", "run"],
  ["outcome", "outcome"],
  ["exit", "exit_reason"],
  ["turns", "turns"],
  ["tokens", "tokens"],
  ["tool errors", "tool_errors"],
  ["patch", "patch"],
];

/** @param {string} [query] the page's query string (filters and sort) */
export async function trajectoriesPage(query) {
  const params = new URLSearchParams(query ?? "");
  const o = await api("overview");
  const runs = o.runs.map((r) => r.run);
  const models = [...new Set(o.runs.flatMap((r) => r.models))].sort();
  const reasons = [...new Set(o.runs.flatMap((r) => Object.keys(r.exit_reasons)))].sort();
  const value = (/** @type {string} */ name) => params.get(name) ?? "";
  /**
   * @param {string} name
   * @param {string} label
   * @param {[value: string, text: string][]} options
   */
  const select = (name, label, options) => {
    const el = h(
      "select",
      { id: `tf-${name}`, name, title: label },
      h("option", { value: "" }, label),
      options.map(([v, text]) => h("option", { value: v }, text)),
    );
    // A value from the URL that the corpus does not have still shows (and matches nothing).
    if (value(name) && !options.some(([v]) => v === value(name)))
      el.append(h("option", { value: value(name) }, value(name)));
    el.value = value(name);
    return el;
  };
  /**
   * @param {string} name
   * @param {string} placeholder
   * @param {string} [type]
   */
  const input = (name, placeholder, type = "search") =>
    h("input", {
      id: `tf-${name}`,
      name,
      type,
      placeholder,
      value: value(name),
      min: type === "number" ? "0" : null,
    });
  const form = {
    q: input("q", "search ids, tasks, tools"),
    outcome: select("outcome", "any outcome", [
      ["resolved", "resolved"],
      ["failed", "failed"],
      ["unvalidated", "not validated"],
    ]),
    exit_reason: select(
      "exit_reason",
      "any exit reason",
      reasons.map((r) => /** @type {[string, string]} */ ([r, r])),
    ),
    empty_patch: select("empty_patch", "any patch", [
      ["1", "empty patch"],
      ["0", "non-empty patch"],
    ]),
    tool_errors: select("tool_errors", "tool errors?", [
      ["1", "with tool errors"],
      ["0", "without tool errors"],
    ]),
    stuck: select("stuck", "stuck?", [
      ["1", "stuck in loop"],
      ["0", "not stuck"],
    ]),
    task: input("task", "task id"),
    run: select(
      "run",
      "any run",
      runs.map((r) => /** @type {[string, string]} */ ([r, short(r)])),
    ),
    model: select(
      "model",
      "any model",
      models.map((m) => /** @type {[string, string]} */ ([m, m])),
    ),
    min_turns: input("min_turns", "turns ≥", "number"),
    max_turns: input("max_turns", "turns ≤", "number"),
    min_tokens: input("min_tokens", "tokens ≥", "number"),
    max_tokens: input("max_tokens", "tokens ≤", "number"),
  };
  let sort = value("sort");
  const count = h("span", { class: "muted", id: "traj-count" });
  const holder = h("div");
  const current = () => {
    /** @type {Record<string, string>} */
    const filters = {};
    for (const [name, el] of Object.entries(form)) if (el.value !== "") filters[name] = el.value;
    if (sort) filters.sort = sort;
    return filters;
  };
  const header = () =>
    h(
      "div",
      { class: "vhead all-traj-row" },
      COLUMNS.map(([label, key]) =>
        h(
          "button",
          {
            type: "button",
            class: `sort-h${sort.replace(/^-/, "") === key ? " active" : ""}`,
            "data-sort": key,
            title: "sort (click again to reverse)",
            onclick: () => {
              sort = sort === key ? `-${key}` : key;
              show();
            },
          },
          label,
          sort === key ? " ▲" : sort === `-${key}` ? " ▼" : "",
        ),
      ),
    );
  const show = () => {
    const filters = current();
    // The URL says what is shown: it can be shared, and Back returns to it.
    history.replaceState(null, "", trajectoriesHref(filters));
    rememberList(filters);
    holder.replaceChildren(
      virtualList({
        height: "70vh",
        fetchPage: (offset, limit) => api("trajectories", { ...filters, offset, limit }),
        onTotal: (n) => {
          count.textContent = `${n.toLocaleString("en-US")} of ${o.total.trajectories.toLocaleString("en-US")} trajectories`;
        },
        header: header(),
        renderRow: (t) =>
          h(
            "div",
            { class: "all-traj-row", "data-id": t.id },
            h("span", { title: t.id }, link(`#/trajectory/${enc(t.id)}`, t.id)),
            h("span", { title: t.task_id }, link(`#/task/${enc(t.task_id)}`, t.task_id)),
            h("span", { title: t.run }, short(t.run)),
            h(
              "span",
              null,
              outcomeBadge(t.resolved),
              t.stuck ? h("span", { class: "badge warn" }, "stuck") : null,
            ),
            h("span", null, t.exit_reason),
            h("span", null, t.turns),
            h("span", null, t.tokens ?? "?"),
            h("span", { class: t.tool_errors ? "bad-t" : "" }, t.tool_errors),
            h(
              "span",
              null,
              t.empty_patch ? "empty" : t.patch === "present" ? `+${t.added} −${t.removed}` : t.patch,
            ),
          ),
      }),
    );
  };
  let timer = 0;
  for (const el of Object.values(form)) {
    el.addEventListener(el.tagName === "SELECT" ? "change" : "input", () => {
      clearTimeout(timer);
      timer = window.setTimeout(show, el.tagName === "SELECT" ? 0 : 200);
    });
  }
  const clear = h(
    "button",
    {
      type: "button",
      id: "tf-clear",
      onclick: () => {
        for (const el of Object.values(form)) el.value = "";
        sort = "";
        show();
      },
    },
    "clear filters",
  );
  // Filters from a URL the server cannot answer (an unknown outcome) are an error on the page.
  await api("trajectories", { ...current(), limit: 0 });
  show();
  return h(
    "div",
    { class: "page trajectories" },
    h("div", { class: "crumbs" }, link("#/", "overview"), " / trajectories"),
    h("h1", null, "Trajectories ", count),
    h("div", { class: "filters wrap", id: "traj-filters" }, Object.values(form), clear),
    holder,
  );
}
