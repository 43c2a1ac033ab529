import { countBars, rateBars, short } from "./charts.js";
import { renderAction, renderConversation, stepStrip } from "./conversation.js";
import { renderDiff } from "./diff.js";
import { api, contrast, enc, h, link, outcomeBadge, pct } from "./dom.js";
import { treeView } from "./tree.js";
import { virtualList } from "./vlist.js";

const app = document.getElementById("app");
const status = document.getElementById("status");

// ---- router: #/ · #/task/<id> · #/trajectory/<id> · #/tree/<task>[/<node>] · #/pairs · #/pair/<id>

const routes = [
  [/^#?\/?$/, overviewPage],
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
    nav.classList.toggle("active", nav.dataset.nav === (hash.startsWith("#/pair") ? "pairs" : "overview"));
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

function statCard(label, value, sub, cls) {
  return h(
    "div",
    { class: `card ${cls ?? ""}` },
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
      ),
      statCard("resolved", pct(t.resolved, judged), `${t.resolved} of ${judged} judged`, "ok"),
      statCard("empty patch", pct(t.empty_patch, t.trajectories), `${t.empty_patch}`, "warn"),
      statCard("stuck in loop", pct(t.stuck, t.trajectories), `${t.stuck}`, "warn"),
      statCard("pairs", o.pairs, `${o.trees} trees`),
    ),
  );
  if (t.unjudged)
    page.append(
      h("p", { class: "muted" }, `${t.unjudged} trajectories have no verdict yet (run sealign validate).`),
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
      }),
      rateBars({
        title: "Exit reasons",
        labels: reasons,
        series: runs.map((r) => ({
          name: r.run,
          values: reasons.map((x) => (r.exit_reasons[x] ?? 0) / Math.max(1, r.trajectories)),
        })),
      }),
      countBars({
        title: "Assistant turns",
        bins: t.turns_bins.map((b, i) =>
          i + 1 < t.turns_bins.length ? `${b}-${t.turns_bins[i + 1] - 1}` : `${b}+`,
        ),
        series: runs.map((r) => ({ name: r.run, values: r.turns_hist })),
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

  if (o.charts.length) {
    page.append(
      h("h2", null, "Charts from sealign eval"),
      h(
        "div",
        { class: "charts eval-charts" },
        o.charts.map((c) =>
          h(
            "figure",
            { class: "chart-box" },
            h("img", { src: `/api/chart?index=${c.index}`, alt: c.path }),
            h("figcaption", { class: "muted small" }, c.path),
          ),
        ),
      ),
    );
  }

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
  const judged =
    (await api("trajectories", { task: taskId, resolved: "true", limit: 0 })).total +
    (await api("trajectories", { task: taskId, resolved: "false", limit: 0 })).total;
  const filter = h(
    "select",
    { id: "outcome-filter" },
    h("option", { value: "" }, "all outcomes"),
    h("option", { value: "true" }, "resolved"),
    h("option", { value: "false" }, "failed"),
    h("option", { value: "null" }, "not judged"),
  );
  const holder = h("div");
  const show = () =>
    holder.replaceChildren(
      virtualList({
        height: "65vh",
        fetchPage: (offset, limit) =>
          api("trajectories", { task: taskId, resolved: filter.value, offset, limit }),
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
      `${first.total} trajectories · `,
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

// ---- trajectory

async function trajectoryPage(id) {
  const { trajectory: t, summary } = await api("trajectory", { id });
  const o = t.outcome;
  const facts = [
    ["task", link(`#/task/${enc(t.task_id)}`, t.task_id)],
    ["outcome", outcomeBadge(o.resolved)],
    ["exit reason", `${o.exit_reason}${o.exit_detail ? ` (${o.exit_detail})` : ""}`],
    ["model", t.provenance.model],
    [
      "scaffold",
      `${t.provenance.scaffold}${t.provenance.scaffold_version ? ` ${t.provenance.scaffold_version}` : ""}`,
    ],
    ["run", t.provenance.run_id ?? summary?.run ?? "-"],
    ["turns", t.usage.turns],
    ["tokens", t.usage.total_tokens ?? "?"],
    ["tool errors", t.usage.tool_errors],
    ["stuck in loop", summary?.stuck ? "yes" : "no"],
  ];
  if (o.labels.length) facts.push(["labels", o.labels.join(", ")]);
  const page = h(
    "div",
    { class: "page trajectory" },
    h(
      "div",
      { class: "crumbs" },
      link("#/", "overview"),
      " / ",
      link(`#/task/${enc(t.task_id)}`, t.task_id),
      " / trajectory",
    ),
    h("h1", null, t.id),
    h(
      "dl",
      { class: "facts", id: "facts" },
      facts.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
  );
  if (t.tools.length)
    page.append(
      h(
        "details",
        { class: "tools" },
        h(
          "summary",
          null,
          `${t.tools.length} tools offered: ${t.tools.map((x) => x.function.name).join(", ")}`,
        ),
        h("pre", { class: "pre" }, JSON.stringify(t.tools, null, 2)),
      ),
    );
  const conversation = renderConversation(t.messages);
  page.append(h("h2", null, "Conversation"), stepStrip(t.messages, conversation), conversation);
  page.append(h("h2", null, "Final patch"));
  if (t.patch === null) page.append(h("p", { class: "muted" }, "unknown (the source did not record one)"));
  else if (t.patch.trim() === "")
    page.append(h("p", { class: "badge warn" }, "empty patch: no file changed"));
  else page.append(renderDiff(t.patch));
  if (o.report) {
    const r = o.report;
    const group = (name) => {
      const g = r.tests_status?.[name];
      if (!g) return null;
      return h(
        "div",
        null,
        h("b", null, name),
        " ",
        h("span", { class: "ok-t" }, `${g.success.length} pass`),
        " ",
        h("span", { class: "bad-t" }, `${g.failure.length} fail`),
        g.failure.length
          ? h(
              "ul",
              null,
              g.failure.slice(0, 50).map((x) => h("li", null, h("code", null, x))),
            )
          : null,
      );
    };
    page.append(
      h("h2", null, "Test report"),
      h(
        "div",
        { class: "report-box" },
        `applied: ${r.patch_successfully_applied}${r.apply_method ? ` (${r.apply_method})` : ""} · exit code ${r.exit_code ?? "-"} · ${r.timed_out ? "timed out · " : ""}${r.duration_s ?? "?"} s${r.cached ? " · cached" : ""}`,
        group("FAIL_TO_PASS"),
        group("PASS_TO_PASS"),
      ),
    );
  }
  if (t.import_notes.length)
    page.append(
      h("h2", null, "Import notes"),
      h(
        "ul",
        null,
        t.import_notes.map((n) => h("li", null, n)),
      ),
    );
  return page;
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

async function pairPage(id) {
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

/** A pair: meta, the shared prefix (folded), then chosen and rejected side by side. */
function renderPair(pair) {
  const m = pair.meta;
  const prefix = h(
    "details",
    { class: "prefix" },
    h("summary", null, `shared prefix: ${pair.prompt.length} messages, ${m.depth} actions`),
    renderConversation(pair.prompt),
  );
  const last = pair.prompt.slice(-2);
  const side = (name, messages, score, visits, ids) =>
    h(
      "div",
      { class: `side ${name}` },
      h("h3", null, name, " ", h("span", { class: "muted" }, `score ${score.toFixed(2)} · ${visits} visits`)),
      pair.kind === "critical"
        ? messages.map((msg) => h("div", { class: "msg assistant" }, renderAction(msg)))
        : renderConversation(messages, { startStep: m.depth }),
      ids.length
        ? h(
            "div",
            { class: "muted small" },
            "trajectories: ",
            ids.slice(0, 10).map((x, i) => [i ? ", " : "", link(`#/trajectory/${enc(x)}`, x)]),
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
      link(`#/tree/${enc(pair.task_id)}`, "tree"),
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
      side("chosen", pair.chosen, m.chosen_score, m.chosen_visits, m.chosen_trajectory_ids),
      side("rejected", pair.rejected, m.rejected_score, m.rejected_visits, m.rejected_trajectory_ids),
    ),
  );
}
