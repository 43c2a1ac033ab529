// The trajectory page (#/trajectory/<id>): why it failed at the top, the conversation with a
// stuck loop's repeated steps marked, the model's patch beside the gold patch, links to its tree
// nodes, its pairs and the previous / next trajectory of the list it was opened from.

import { renderConversation, stepStrip } from "./conversation.js";
import { renderDiff } from "./diff.js";
import { api, enc, h, link, outcomeBadge } from "./dom.js";
import { onPageKey } from "./keys.js";
import { rememberedList, trajectoriesHref } from "./trajectories.js";

/**
 * @typedef {import("../../src/view/api-types.js").Trajectory} Trajectory
 * @typedef {import("../../src/view/api-types.js").TrajectoryDetail} TrajectoryDetail
 * @typedef {import("../../src/view/api-types.js").TestReport} TestReport
 */

/**
 * @param {Trajectory} t
 * @param {TrajectoryDetail} detail
 */
function whyItFailed(t, detail) {
  const o = t.outcome;
  if (o.resolved === true) return null;
  const failing = [...detail.failing_tests.FAIL_TO_PASS, ...detail.failing_tests.PASS_TO_PASS];
  const r = o.report;
  const lines = [];
  lines.push(
    h(
      "div",
      null,
      h("b", null, o.resolved === false ? "Failed" : "Not validated"),
      " · exit reason ",
      h("code", null, o.exit_reason),
      o.exit_detail ? ` (${o.exit_detail})` : "",
      detail.stuck_steps.length ? ` · stuck: steps ${stepRange(detail.stuck_steps)} repeat one action` : "",
    ),
  );
  if (t.patch !== null && t.patch.trim() === "") lines.push(h("div", null, "empty patch: no file changed"));
  if (r) {
    if (r.error) lines.push(h("div", { class: "bad-t" }, `validation error: ${r.error}`));
    else if (r.patch_exists && !r.patch_successfully_applied)
      lines.push(h("div", { class: "bad-t" }, "the patch did not apply"));
    if (r.timed_out) lines.push(h("div", { class: "bad-t" }, "the tests timed out"));
    if (failing.length)
      lines.push(
        h(
          "div",
          { id: "failing-tests" },
          `${failing.length} failing test${failing.length > 1 ? "s" : ""}: `,
          failing.slice(0, 20).map((x, i) => [i ? ", " : "", h("code", null, x)]),
          failing.length > 20 ? ` … and ${failing.length - 20} more` : "",
        ),
      );
  }
  const log = detail.test_log;
  if (log && "error" in log) lines.push(h("div", { class: "muted" }, `test log: ${log.error}`));
  else if (log)
    lines.push(
      h(
        "details",
        { class: "test-log", id: "test-log", open: true },
        h(
          "summary",
          null,
          `test log ${log.path} (${log.bytes.toLocaleString("en-US")} bytes${log.truncated ? ", its end" : ""})`,
        ),
        h("pre", { class: "pre" }, log.text),
      ),
    );
  return h("div", { class: "why", id: "why" }, lines);
}

/** @param {number[]} steps */
function stepRange(steps) {
  // 0-based step indices -> "4-6" (1-based, as the page numbers steps).
  /** @type {[number, number][]} */
  const runs = [];
  for (const s of steps) {
    const last = runs.at(-1);
    if (last && last[1] === s) last[1] = s + 1;
    else runs.push([s + 1, s + 1]);
  }
  return runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(", ");
}

/** @param {Trajectory} t */
function linksBox(t) {
  const box = h("div", { class: "links", id: "traj-links" }, h("span", { class: "muted" }, "links…"));
  void api("trajectory-links", { id: t.id }).then((links) => {
    /** @type {import("./dom.js").Child[]} */
    const parts = [];
    const leaf = links.nodes.at(-1);
    if (links.tree) {
      parts.push(
        link(
          `#/tree/${enc(t.task_id)}${leaf ? `/${enc(leaf.id)}` : ""}`,
          leaf ? "its leaf in the tree" : "the task's tree",
        ),
      );
      const critical = links.nodes.filter((n) => n.critical);
      if (critical.length)
        parts.push(
          " · critical nodes on its path: ",
          critical.map((n, i) => [
            i ? ", " : "",
            link(`#/tree/${enc(t.task_id)}/${enc(n.id)}`, `depth ${n.depth}`),
          ]),
        );
    }
    if (links.pairs.length)
      parts.push(
        parts.length ? " · " : "",
        `in ${links.pairs.length} pair${links.pairs.length > 1 ? "s" : ""}: `,
        links.pairs
          .slice(0, 10)
          .map((p, i) => [i ? ", " : "", link(`#/pair/${enc(p.id)}`, `${p.side} at depth ${p.depth}`)]),
      );
    // h() flattens nested lists; replaceChildren would print them as text.
    box.replaceChildren(
      h("span", null, parts.length ? parts : h("span", { class: "muted" }, "no tree or pair")),
    );
  });
  return box;
}

/**
 * Previous / next in the list the page was opened from (the trajectories table, a task).
 * @param {Trajectory} t
 */
function neighbours(t) {
  const list = rememberedList() ?? { task: t.task_id };
  const box = h("div", { class: "neighbours", id: "neighbours" });
  /** @type {{previous: string | null, next: string | null}} */
  const nav = { previous: null, next: null };
  void api("trajectory-neighbours", { ...list, id: t.id }).then((n) => {
    nav.previous = n.previous;
    nav.next = n.next;
    box.replaceChildren(
      n.previous
        ? link(`#/trajectory/${enc(n.previous)}`, "← previous (p)")
        : h("span", { class: "muted" }, "← previous"),
      " ",
      link(trajectoriesHref(list), n.index >= 0 ? `${n.index + 1} of ${n.total}` : "the list"),
      " ",
      n.next ? link(`#/trajectory/${enc(n.next)}`, "next (n) →") : h("span", { class: "muted" }, "next →"),
    );
  });
  return { box, nav };
}

/** @param {string} id */
export async function trajectoryPage(id) {
  const detail = await api("trajectory", { id });
  const { trajectory: t, summary } = detail;
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
  const { box: neighbourBox, nav } = neighbours(t);
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
    neighbourBox,
    h("h1", null, t.id),
    whyItFailed(t, detail),
    h(
      "dl",
      { class: "facts", id: "facts" },
      facts.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
    ),
    linksBox(t),
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
  // A stuck loop's repeated steps are marked where they are, and on the strip above.
  const strip = stepStrip(t.messages, conversation);
  for (const s of detail.stuck_steps) {
    conversation.querySelector(`[data-step="${s + 1}"]`)?.classList.add("stuck-step");
    strip.children[s]?.classList.add("stuck-step");
  }
  page.append(
    h(
      "h2",
      null,
      "Conversation ",
      h("span", { class: "muted small" }, "j / k: next / previous step · n / p: trajectory"),
    ),
    strip,
    conversation,
  );
  page.append(h("h2", null, detail.gold_patch ? "Final patch, beside the gold patch" : "Final patch"));
  let mine;
  if (t.patch === null) mine = h("p", { class: "muted" }, "unknown (the source did not record one)");
  else if (t.patch.trim() === "") mine = h("p", { class: "badge warn" }, "empty patch: no file changed");
  else mine = renderDiff(t.patch);
  if (detail.gold_patch)
    page.append(
      h(
        "div",
        { class: "patches", id: "patches" },
        h("div", { class: "patch model" }, h("h3", null, "the model's"), mine),
        h(
          "div",
          { class: "patch gold" },
          h("h3", null, "gold (from the task file)"),
          renderDiff(detail.gold_patch),
        ),
      ),
    );
  else page.append(mine);
  if (o.report) page.append(testReport(o.report));
  if (t.import_notes.length)
    page.append(
      h("h2", null, "Import notes"),
      h(
        "ul",
        null,
        t.import_notes.map((n) => h("li", null, n)),
      ),
    );
  // j / k (or ↓ / ↑): next / previous step; n / p (or → / ←): next / previous trajectory.
  let at = -1;
  const stepEls = () => [...conversation.querySelectorAll(".msg.assistant[data-step]")];
  const goStep = (/** @type {number} */ delta) => {
    const els = stepEls();
    if (!els.length) return;
    at = Math.max(0, Math.min(els.length - 1, at + delta));
    for (const el of els) el.classList.remove("current-step");
    els[at]?.classList.add("current-step");
    els[at]?.scrollIntoView({ block: "start" });
  };
  const open = (/** @type {string | null} */ other) => {
    if (other) location.hash = `#/trajectory/${enc(other)}`;
  };
  onPageKey(page, {
    j: () => goStep(1),
    ArrowDown: () => goStep(1),
    k: () => goStep(-1),
    ArrowUp: () => goStep(-1),
    n: () => open(nav.next),
    ArrowRight: () => open(nav.next),
    p: () => open(nav.previous),
    ArrowLeft: () => open(nav.previous),
  });
  return page;
}

/** @param {TestReport} r */
function testReport(r) {
  const group = (/** @type {"FAIL_TO_PASS" | "PASS_TO_PASS"} */ name) => {
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
  return h(
    "div",
    null,
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
