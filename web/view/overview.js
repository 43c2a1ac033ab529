// The overview page (#/): totals, runs side by side, charts, the task list and the files read.
import { countBars, rateBars, short } from "./charts.js";
import { api, enc, h, link, pct } from "./dom.js";
import { trajectoriesHref } from "./trajectories.js";
import { virtualList } from "./vlist.js";

/** @typedef {import("./dom.js").ViewApi} ViewApi */

/**
 * @param {string} label
 * @param {string | number} value
 * @param {string} [sub]
 * @param {string} [cls]
 * @param {string} [href]
 */
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

export async function overviewPage() {
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
            run: runs[serie]?.run,
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
        href: (label, serie) => trajectoriesHref({ run: runs[serie]?.run, exit_reason: reasons[label] }),
      }),
      countBars({
        title: "Assistant turns",
        bins: t.turns_bins.map((b, i) => {
          const next = t.turns_bins[i + 1];
          return next === undefined ? `${b}+` : `${b}-${next - 1}`;
        }),
        series: runs.map((r) => ({ name: r.run, values: r.turns_hist })),
        yLabel: "trajectories",
        href: (bin, serie) => {
          const next = t.turns_bins[bin + 1];
          return trajectoriesHref({
            run: runs[serie]?.run,
            min_turns: t.turns_bins[bin],
            max_turns: next === undefined ? "" : next - 1,
          });
        },
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
    timer = window.setTimeout(showList, 200);
  });
  sort.addEventListener("change", showList);
  showList();
  page.append(h("h2", null, "Tasks ", count), h("div", { class: "filters" }, search, sort), holder);

  // eval's charts and sealign train's curves, each under its own heading.
  /**
   * @param {string} heading
   * @param {string} cls
   * @param {ViewApi["overview"]["charts"]} charts
   */
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

/**
 * @param {number} part
 * @param {number} whole
 */
function meter(part, whole) {
  const w = whole ? (100 * part) / whole : 0;
  return h(
    "span",
    { class: "meter", title: `${part}/${whole}` },
    h("i", { style: `width:${w}%` }),
    h("b", null, `${part}/${whole}`),
  );
}
