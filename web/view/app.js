import { countBars, rateBars, short } from "./charts.js";
import { renderAction } from "./conversation.js";
import { api, contrast, enc, h, link, outcomeBadge, pct } from "./dom.js";
import { pairPage, renderPair } from "./pair.js";
import { rememberList, trajectoriesHref, trajectoriesPage } from "./trajectories.js";
import { trajectoryPage } from "./trajectory.js";
import { treeView } from "./tree.js";
import { virtualList } from "./vlist.js";

const app = document.getElementById("app");
const status = document.getElementById("status");

// ---- router: #/ · #/trajectories?… · #/task/<id> · #/trajectory/<id> · #/tree/<task>[/<node>] ·
// #/pairs · #/pair/<id>

const routes = [
  [/^#?\/?$/, overviewPage],
  [/^#\/trajectories(?:\?(.*))?$/, trajectoriesPage],
  [/^#\/task\/([^/]+)$/, taskPage],
  [/^#\/trajectory\/([^/]+)$/, trajectoryPage],
  [/^#\/tree\/([^/]+)(?:\/([^/]+))?$/, treePage],
  [/^#\/pairs(?:\?(.*))?$/, pairsPage],
  [/^#\/pair\/([^/]+)$/, pairPage],
];

let generation = 0;
async function route() {
  const hash = location.hash || "#/";
  const mine = ++generation;
  for (const nav of document.querySelectorAll("[data-nav]")) {
    const section = hash.startsWith("#/pair")
      ? "pairs"
      : hash.startsWith("#/trajector")
        ? "trajectories"
        : "overview";
    nav.classList.toggle("active", nav.dataset.nav === section);
  }
  for (const [pattern, page] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    const params = m.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
    status.textContent = "loading…";
    document.body.dataset.ready = "0";
    try {
      const content = await page(...params);
      if (mine !== generation) return;
      app.replaceChildren(content);
      status.textContent = "";
    } catch (error) {
      if (mine !== generation) return;
      app.replaceChildren(h("div", { class: "error" }, String(error.message ?? error)));
      status.textContent = "";
    }
    // Tests and benchmarks wait for this: the page has rendered its first content.
    document.body.dataset.ready = "1";
    window.scrollTo(0, 0);
    return;
  }
  app.replaceChildren(h("div", { class: "error" }, `no page ${hash}`));
  document.body.dataset.ready = "1";
}
window.addEventListener("hashchange", route);
void route();

// ---- overview

function statCard(label, value, sub, cls, href) {
  // A card that counts trajectories opens them in the trajectories table, pre-filtered.
  return h(
    href ? "a" : "div",
    { class: `card ${cls ?? ""}`, href, "data-card": label },
    h("div", { class: "card-v" }, value),
    h("div", { class: "card-l" }, label),
    sub ? h("div", { class: "card-s" }, sub) : null,
  );
}

async function overviewPage() {
  const o = await api("overview");
  const t = o.total;
  const judged = t.resolved + t.unresolved;
  const page = h("div", { class: "page overview" });
  page.append(
    h("h1", null, "Overview"),
    h(
      "div",
      { class: "cards", id: "totals" },
      statCard("tasks", t.tasks, `${t.tasks_resolved} with a resolved run`),
      statCard(
        "trajectories",
        t.trajectories,
        o.runs.length > 1 ? `${o.runs.length} runs` : (t.models[0] ?? ""),
        "",
        trajectoriesHref({}),
      ),
      statCard(
        "resolved",
        pct(t.resolved, judged),
        `${t.resolved} of ${judged} judged`,
        "ok",
        trajectoriesHref({ outcome: "resolved" }),
      ),
      statCard(
        "failed",
        pct(t.unresolved, judged),
        `${t.unresolved} of ${judged} judged`,
        "bad",
        trajectoriesHref({ outcome: "failed" }),
      ),
      statCard(
        "empty patch",
        pct(t.empty_patch, t.trajectories),
        `${t.empty_patch}`,
        "warn",
        trajectoriesHref({ empty_patch: "1" }),
      ),
      statCard(
        "stuck in loop",
        pct(t.stuck, t.trajectories),
        `${t.stuck}`,
        "warn",
        trajectoriesHref({ stuck: "1" }),
      ),
      statCard("pairs", o.pairs, `${o.trees} trees`),
    ),
  );
  if (t.unjudged)
    page.append(
      h(
        "p",
        { class: "muted" },
        link(trajectoriesHref({ outcome: "unvalidated" }), `${t.unjudged} trajectories`),
        " have no verdict yet (run sealign validate).",
      ),
    );

  // Runs side by side.
  const runTable = h(
    "table",
    { class: "grid runs", id: "runs" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        [
          "run",
          "model",
          "trajectories",
          "tasks",
          "resolved",
          "empty patch",
          "stuck",
          "invalid patch",
          "mean turns",
          "tool errors",
        ].map((c) => h("th", null, c)),
      ),
    ),
    h(
      "tbody",
      null,
      o.runs.map((r) =>
        h(
          "tr",
          null,
          h("td", { title: r.run }, short(r.run)),
          h("td", null, r.models.join(", ")),
          h("td", null, r.trajectories),
          h("td", null, r.tasks),
          h("td", null, pct(r.resolved, r.resolved + r.unresolved)),
          h("td", null, pct(r.empty_patch, r.trajectories)),
          h("td", null, pct(r.stuck, r.trajectories)),
          h("td", null, pct(r.invalid_patch, r.trajectories)),
          h("td", null, r.mean_turns.toFixed(1)),
          h("td", null, r.tool_errors),
        ),
      ),
    ),
  );
  page.append(h("h2", null, o.runs.length > 1 ? "Runs side by side" : "Run"), runTable);

  const runs = o.runs;
  const reasons = [...new Set(runs.flatMap((r) => Object.keys(r.exit_reasons)))].sort();
  page.append(
    h(
      "div",
      { class: "charts" },
      rateBars({
        title: "Rates by run",
        labels: ["resolved", "empty patch", "stuck"],
        series: runs.map((r) => ({
          name: r.run,
          values: [
            r.resolved / Math.max(1, r.resolved + r.unresolved),
            r.empty_patch / Math.max(1, r.trajectories),
            r.stuck / Math.max(1, r.trajectories),
          ],
        })),
        // Each bar opens the trajectories it counts.
        href: (label, serie) =>
          trajectoriesHref({
            run: runs[serie].run,
            ...[{ outcome: "resolved" }, { empty_patch: "1" }, { stuck: "1" }][label],
          }),
      }),
      rateBars({
        title: "Exit reasons",
        labels: reasons,
        series: runs.map((r) => ({
          name: r.run,
          values: reasons.map((x) => (r.exit_reasons[x] ?? 0) / Math.max(1, r.trajectories)),
        })),
        href: (label, serie) => trajectoriesHref({ run: runs[serie].run, exit_reason: reasons[label] }),
      }),
      countBars({
        title: "Assistant turns",
        bins: t.turns_bins.map((b, i) =>
          i + 1 < t.turns_bins.length ? `${b}-${t.turns_bins[i + 1] - 1}` : `${b}+`,
        ),
        series: runs.map((r) => ({ name: r.run, values: r.turns_hist })),
        yLabel: "trajectories",
        href: (bin, serie) =>
          trajectoriesHref({
            run: runs[serie].run,
            min_turns: t.turns_bins[bin],
            max_turns: bin + 1 < t.turns_bins.length ? t.turns_bins[bin + 1] - 1 : "",
          }),
      }),
    ),
  );

  // Tasks: searchable, sortable, virtualised.
  const count = h("span", { class: "muted" });
  const search = h("input", { type: "search", placeholder: "filter tasks", id: "task-filter" });
  const sort = h(
    "select",
    { id: "task-sort" },
    ["task", "resolved", "trajectories", "pairs"].map((v) => h("option", { value: v }, `sort by ${v}`)),
  );
  const holder = h("div");
  const runNames = runs.map((r) => r.run);
  const showList = () => {
    holder.replaceChildren(
      virtualList({
        fetchPage: (offset, limit) => api("tasks", { q: search.value, sort: sort.value, offset, limit }),
        onTotal: (n) => {
          count.textContent = `${n} tasks`;
        },
        header: h(
          "div",
          { class: "vhead task-row" },
          h("span", null, "task"),
          h("span", null, "trajectories"),
          h("span", null, runNames.length > 1 ? `resolved: ${runNames.map(short).join(" · ")}` : "resolved"),
          h("span", null, "empty / stuck"),
          h("span", null, "pairs"),
          h("span", null, "tree"),
        ),
        renderRow: (r) =>
          h(
            "div",
            { class: "task-row", "data-task": r.task_id },
            h("span", null, link(`#/task/${enc(r.task_id)}`, r.task_id)),
            h("span", null, r.trajectories),
            h(
              "span",
              null,
              runNames.length > 1
                ? runNames.map((n) => (r.runs[n] ? `${r.runs[n][1]}/${r.runs[n][0]}` : "-")).join(" · ")
                : meter(r.resolved, r.trajectories),
            ),
            h("span", null, `${r.empty_patch} / ${r.stuck}`),
            h("span", null, r.pairs ? link(`#/pairs?task=${enc(r.task_id)}`, r.pairs) : "0"),
            h("span", null, r.has_tree ? link(`#/tree/${enc(r.task_id)}`, "tree") : ""),
          ),
      }),
    );
  };
  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(showList, 200);
  });
  sort.addEventListener("change", showList);
  showList();
  page.append(h("h2", null, "Tasks ", count), h("div", { class: "filters" }, search, sort), holder);

  // eval's charts and sealign train's curves, each under its own heading.
  const chartSection = (heading, cls, charts) => {
    if (!charts.length) return;
    page.append(
      h("h2", null, heading),
      h(
        "div",
        { class: `charts ${cls}` },
        charts.map((c) =>
          h(
            "figure",
            { class: "chart-box" },
            h("img", { src: `/api/chart?index=${c.index}`, alt: c.path }),
            h("figcaption", { class: "muted small" }, c.path),
          ),
        ),
      ),
    );
  };
  chartSection(
    "Charts from sealign eval",
    "eval-charts",
    o.charts.filter((c) => c.group !== "training"),
  );
  chartSection(
    "Training (sealign train)",
    "train-charts",
    o.charts.filter((c) => c.group === "training"),
  );

  // Files, reports, problems.
  const files = h(
    "details",
    { class: "files" },
    h("summary", null, `${o.files.length} files read`),
    h(
      "ul",
      null,
      o.files.map((f) => h("li", null, h("code", null, f.path), ` (${f.kind})`)),
    ),
  );
  page.append(h("h2", null, "Sources"), files);
  if (o.task_files.length)
    page.append(
      h(
        "p",
        { class: "muted", id: "task-files" },
        `task files (gold patches shown beside the model's): `,
        o.task_files.map((f, i) => [i ? ", " : "", h("code", null, f)]),
      ),
    );
  if (o.models.length)
    page.append(
      h(
        "p",
        { class: "muted", id: "model-folders" },
        `model folders: `,
        o.models.map((m, i) => [i ? ", " : "", h("code", { title: m.files.join(", ") }, m.folder)]),
      ),
    );
  if (o.reports.length) {
    page.append(
      h(
        "div",
        { class: "reports" },
        o.reports.map((r) => {
          const box = h(
            "details",
            { class: "report" },
            h("summary", null, "report ", h("code", null, r.path)),
          );
          box.addEventListener(
            "toggle",
            async () => {
              if (!box.open || box.dataset.loaded) return;
              box.dataset.loaded = "1";
              box.append(
                h("pre", { class: "pre" }, JSON.stringify(await api("report", { index: r.index }), null, 2)),
              );
            },
            { once: false },
          );
          return box;
        }),
      ),
    );
  }
  if (o.ignored.length)
    page.append(
      h(
        "details",
        null,
        h("summary", null, `${o.ignored.length} files ignored`),
        h(
          "ul",
          null,
          o.ignored.map((f) => h("li", null, h("code", null, f.path), ` — ${f.reason}`)),
        ),
      ),
    );
  if (o.skipped.length)
    page.append(
      h(
        "details",
        { open: true, class: "warn" },
        h("summary", null, `${o.skipped.length} invalid records skipped`),
        h(
          "ul",
          null,
          o.skipped.map((f) => h("li", null, `${f.file}:${f.line}: ${f.message}`)),
        ),
      ),
    );
  if (o.duplicates)
    page.append(
      h(
        "p",
        { class: "muted" },
        `${o.duplicates} records seen in more than one file (the validated copy is shown).`,
      ),
    );
  return page;
}

function meter(part, whole) {
  const w = whole ? (100 * part) / whole : 0;
  return h(
    "span",
    { class: "meter", title: `${part}/${whole}` },
    h("i", { style: `width:${w}%` }),
    h("b", null, `${part}/${whole}`),
  );
}

// ---- task: its trajectories

async function taskPage(taskId) {
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

// ---- tree

async function treePage(taskId, nodeId) {
  const tree = await api("tree", { task: taskId });
  const [pairs, { rows: trajs, total: trajTotal }] = await Promise.all([
    api("pairs", { task: taskId, limit: 0 }),
    api("trajectories", { task: taskId, limit: 500 }),
  ]);
  // The tree file lists its trajectories with their outcomes; else the task's summaries do.
  const listed = Array.isArray(tree.info.trajectories) ? tree.info.trajectories : trajs;
  const outcome = new Map(listed.map((t) => [t.id, t.resolved]));
  const panel = h(
    "aside",
    { class: "tree-panel", id: "node-panel" },
    h(
      "p",
      { class: "muted" },
      "Click a node to see its action and the paths through it; critical nodes (ringed) show their pairs.",
    ),
  );
  let view;
  let selection = 0;
  const onSelect = (node) => {
    history.replaceState(null, "", `#/tree/${enc(taskId)}/${enc(node.id)}`);
    const mine = ++selection;
    // The node's message and observation come with its details (the drawing has no messages).
    void api("tree-node", { task: taskId, node: node.id }).then((full) => {
      if (mine === selection)
        panel.replaceChildren(...nodePanel(taskId, full, view, outcome).filter(Boolean));
    });
  };
  view = treeView(tree, { onSelect });
  const critical = tree.nodes.filter((n) => n.critical).length;
  const page = h(
    "div",
    { class: "page tree" },
    h(
      "div",
      { class: "crumbs" },
      link("#/", "overview"),
      " / ",
      link(`#/task/${enc(taskId)}`, taskId),
      " / tree",
    ),
    h("h1", null, `Tree of ${taskId}`),
    tree.info.built_by_view
      ? h(
          "p",
          { class: "warn" },
          "No tree file for this task: built now by the tree stage's library with its default options. Run sealign tree / sealign pairs to keep it and choose options.",
        )
      : null,
    h(
      "p",
      { class: "muted" },
      `${tree.nodes.length} nodes · ${critical} critical · ${trajTotal} trajectories · ${pairs.total} pairs`,
    ),
    h("div", { class: "tree-layout" }, view.element, panel),
  );
  requestAnimationFrame(() => {
    view.fit();
    if (nodeId && view.node(nodeId)) view.select(nodeId);
  });
  return page;
}

function nodePanel(taskId, node, view, outcome) {
  const parts = [
    h("h3", null, node.critical ? "★ critical node" : `${node.kind} node`, " ", h("code", null, node.id)),
    node.message
      ? h("div", { class: "msg assistant node-action" }, renderAction(node.message))
      : h("pre", { class: "pre action" }, node.label),
    node.observation_preview
      ? h(
          "div",
          { class: "msg tool" },
          h("div", { class: "role" }, "observation (start)"),
          h("pre", { class: "pre" }, node.observation_preview),
        )
      : null,
    h(
      "dl",
      { class: "facts" },
      [
        ["depth", node.depth],
        ["visits", node.visits],
        ["successes", node.successes],
        ["score", node.score === null ? "?" : node.score.toFixed(3)],
        ["Wilson 95%", node.wilson ? `${node.wilson[0].toFixed(2)} – ${node.wilson[1].toFixed(2)}` : "-"],
        ["children", view.children(node.id).length],
      ].flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
  ];
  if (view.children(node.id).length) {
    parts.push(
      h(
        "button",
        { type: "button", class: "collapse-btn", onclick: () => view.toggle(node.id) },
        view.isCollapsed(node.id) ? "expand subtree" : "collapse subtree",
      ),
    );
  }
  // Pairs decided here (a critical node) or where this node is the chosen / rejected action.
  const pairsBox = h(
    "div",
    { class: "node-pairs", id: "node-pairs" },
    h("p", { class: "muted" }, "looking for pairs…"),
  );
  parts.push(pairsBox);
  void Promise.all([
    api("pairs", { task: taskId, node: node.id, limit: 100 }),
    api("pairs", { task: taskId, side: node.id, limit: 100 }),
  ]).then(([here, side]) => {
    const related = [...here.items, ...side.items.filter((p) => !here.items.some((q) => q.id === p.id))];
    if (!related.length) {
      pairsBox.replaceChildren(
        node.critical
          ? h(
              "p",
              { class: "muted" },
              "No pair for this node was found (run sealign pairs and open its output too).",
            )
          : "",
      );
      return;
    }
    const target = h("div", { class: "pair-inline", id: "pair-inline" });
    const open = async (id) => {
      target.replaceChildren(h("p", { class: "muted" }, "loading…"));
      target.replaceChildren(renderPair(await api("pair", { id })));
    };
    pairsBox.replaceChildren(
      h(
        "h4",
        null,
        `${related.length} critical pair${related.length > 1 ? "s" : ""}`,
        here.total ? " decided here" : " through this action",
      ),
      h(
        "ul",
        { class: "pair-links" },
        related.map((p) =>
          h(
            "li",
            null,
            h(
              "a",
              {
                href: "#",
                "data-pair": p.id,
                onclick: (e) => {
                  e.preventDefault();
                  void open(p.id);
                },
              },
              (() => {
                const [c, r] = contrast(p.chosen_preview, p.rejected_preview);
                return `gap ${p.gap.toFixed(2)}: ${c.slice(0, 80)} ≻ ${r.slice(0, 80)}`;
              })(),
            ),
            " ",
            link(`#/pair/${enc(p.id)}`, "open"),
          ),
        ),
      ),
      target,
    );
    // A critical node shows its (first) pair straight away: shared prefix, chosen vs rejected.
    if (node.critical && here.items.length) void open(here.items[0].id);
  });
  parts.push(
    h("h4", null, `${node.trajectory_ids.length} paths through this node`),
    h(
      "ul",
      { class: "paths" },
      node.trajectory_ids
        .slice(0, 200)
        .map((id) =>
          h("li", null, outcomeBadge(outcome.get(id) ?? null), " ", link(`#/trajectory/${enc(id)}`, id)),
        ),
    ),
  );
  return parts;
}

// ---- pairs

async function pairsPage(query) {
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
      timer = setTimeout(show, 200);
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
