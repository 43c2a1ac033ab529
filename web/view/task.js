// A task's page (#/task/<id>): its trajectories, pairs and tree.
import { short } from "./charts.js";
import { api, enc, h, link, outcomeBadge } from "./dom.js";
import { rememberList, trajectoriesHref } from "./trajectories.js";
import { virtualList } from "./vlist.js";

/** @param {string} taskId */
export async function taskPage(taskId) {
  const [first, pairs] = await Promise.all([
    api("trajectories", { task: taskId, limit: 1 }),
    api("pairs", { task: taskId, limit: 1 }),
  ]);
  const row = (await api("tasks", { q: taskId, limit: 500 })).items.find((r) => r.task_id === taskId);
  const judged = (await api("trajectories", { task: taskId, outcome: "resolved,failed", limit: 0 })).total;
  const filter = h(
    "select",
    { id: "outcome-filter" },
    h("option", { value: "" }, "all outcomes"),
    h("option", { value: "resolved" }, "resolved"),
    h("option", { value: "failed" }, "failed"),
    h("option", { value: "unvalidated" }, "not judged"),
  );
  const holder = h("div");
  const show = () => {
    const list = { task: taskId, outcome: filter.value };
    // The trajectory page steps through this list with n / p.
    rememberList(list);
    holder.replaceChildren(
      virtualList({
        height: "65vh",
        fetchPage: (offset, limit) => api("trajectories", { ...list, offset, limit }),
        header: h(
          "div",
          { class: "vhead traj-row" },
          ["trajectory", "outcome", "exit", "patch", "turns", "run", "tools"].map((c) => h("span", null, c)),
        ),
        renderRow: (t) =>
          h(
            "div",
            { class: "traj-row", "data-id": t.id },
            h(
              "span",
              null,
              link(`#/trajectory/${enc(t.id)}`, t.sample_index !== null ? `#${t.sample_index} ` : "", t.id),
            ),
            h(
              "span",
              null,
              outcomeBadge(t.resolved),
              t.stuck ? h("span", { class: "badge warn" }, "stuck") : null,
            ),
            h("span", null, t.exit_reason),
            h("span", null, t.patch === "present" ? `+${t.added} −${t.removed}` : t.patch),
            h("span", null, t.turns),
            h("span", { title: t.run }, short(t.run)),
            h("span", { class: "muted" }, t.tools.join(", ")),
          ),
      }),
    );
  };
  filter.addEventListener("change", show);
  show();
  return h(
    "div",
    { class: "page task" },
    h("div", { class: "crumbs" }, link("#/", "overview"), " / task"),
    h("h1", null, taskId),
    h(
      "p",
      null,
      link(trajectoriesHref({ task: taskId }), `${first.total} trajectories`),
      " (",
      link(trajectoriesHref({ task: taskId, outcome: "failed" }), "failed ones"),
      ") · ",
      pairs.total ? link(`#/pairs?task=${enc(taskId)}`, `${pairs.total} critical pairs`) : "no pairs",
      " · ",
      row?.has_tree
        ? link(`#/tree/${enc(taskId)}`, "trajectory tree")
        : judged
          ? link(`#/tree/${enc(taskId)}`, "trajectory tree (built now from its judged trajectories)")
          : h("span", { class: "muted" }, "no tree (no judged trajectory: run sealign validate)"),
    ),
    h("div", { class: "filters" }, filter),
    holder,
  );
}
