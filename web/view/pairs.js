// The critical pairs page (#/pairs?…): a filtered, virtualised list of pair summaries.
import { api, contrast, enc, h, link } from "./dom.js";
import { virtualList } from "./vlist.js";

/** @param {string} [query] the page's query string (filters) */
export async function pairsPage(query) {
  const params = new URLSearchParams(query ?? "");
  const meta = await api("pairs", { limit: 0 });
  const q = h("input", {
    type: "search",
    placeholder: "search actions, ids",
    id: "pair-q",
    value: params.get("q") ?? "",
  });
  const task = h("input", {
    type: "search",
    placeholder: "task id",
    id: "pair-task",
    value: params.get("task") ?? "",
  });
  const minGap = h("input", {
    type: "number",
    step: "0.05",
    min: "0",
    max: "1",
    placeholder: "min gap",
    id: "pair-gap",
    value: params.get("min_gap") ?? "",
  });
  const depth = h("input", {
    type: "number",
    min: "0",
    placeholder: "depth",
    id: "pair-depth",
    value: params.get("depth") ?? "",
  });
  const tool = h(
    "select",
    { id: "pair-tool" },
    h("option", { value: "" }, "any tool"),
    meta.tools.map((t) => h("option", { value: t }, t)),
  );
  tool.value = params.get("tool") ?? "";
  const sort = h(
    "select",
    { id: "pair-sort" },
    ["gap", "depth", "task"].map((v) => h("option", { value: v }, `sort by ${v}`)),
  );
  const count = h("span", { class: "muted", id: "pair-count" });
  const holder = h("div");
  const show = () => {
    const filters = {
      q: q.value,
      task: task.value,
      min_gap: minGap.value,
      depth: depth.value,
      tool: tool.value,
      sort: sort.value,
    };
    holder.replaceChildren(
      virtualList({
        height: "70vh",
        rowHeight: 48,
        fetchPage: (offset, limit) => api("pairs", { ...filters, offset, limit }),
        onTotal: (n) => {
          count.textContent = `${n} of ${meta.total} pairs`;
        },
        header: h(
          "div",
          { class: "vhead pair-row" },
          ["task", "gap", "depth", "visits", "chosen ≻ rejected"].map((c) => h("span", null, c)),
        ),
        renderRow: (p) =>
          h(
            "div",
            { class: "pair-row", "data-id": p.id },
            h("span", null, link(`#/task/${enc(p.task_id)}`, p.task_id)),
            h("span", null, p.gap.toFixed(2)),
            h("span", null, p.depth),
            h("span", null, `${p.chosen_visits}/${p.rejected_visits}`),
            h(
              "span",
              { class: "pv" },
              link(
                `#/pair/${enc(p.id)}`,
                h(
                  "span",
                  { class: "chosen-t" },
                  contrast(p.chosen_preview, p.rejected_preview)[0] || "(text)",
                ),
                h("br"),
                h(
                  "span",
                  { class: "rejected-t" },
                  contrast(p.chosen_preview, p.rejected_preview)[1] || "(text)",
                ),
              ),
            ),
          ),
      }),
    );
  };
  let timer = 0;
  for (const input of [q, task, minGap, depth]) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = window.setTimeout(show, 200);
    });
  }
  tool.addEventListener("change", show);
  sort.addEventListener("change", show);
  show();
  return h(
    "div",
    { class: "page pairs" },
    h("h1", null, "Critical pairs ", count),
    h("div", { class: "filters" }, q, task, minGap, depth, tool, sort),
    holder,
  );
}
