// A task's tree page (#/tree/<task>[/<node>]): the drawing (tree.js) and the selected node's panel.
import { renderAction } from "./conversation.js";
import { api, contrast, enc, h, link, outcomeBadge } from "./dom.js";
import { renderPair } from "./pair.js";
import { treeView } from "./tree.js";

/**
 * @typedef {import("../../src/view/api-types.js").ViewTreeNode} ViewTreeNode
 * @typedef {import("../../src/view/api-types.js").DrawnTreeNode} DrawnTreeNode
 * @typedef {ReturnType<typeof treeView>} TreeView
 */

/**
 * @param {string} taskId
 * @param {string} [nodeId] the node to select once drawn
 */
export async function treePage(taskId, nodeId) {
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
  /** @type {TreeView | undefined} */
  let view;
  let selection = 0;
  const onSelect = (/** @type {DrawnTreeNode} */ node) => {
    history.replaceState(null, "", `#/tree/${enc(taskId)}/${enc(node.id)}`);
    const mine = ++selection;
    // The node's message and observation come with its details (the drawing has no messages).
    void api("tree-node", { task: taskId, node: node.id }).then((full) => {
      if (mine === selection && view) panel.replaceChildren(...nodePanel(taskId, full, view, outcome));
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

/**
 * The selected node's panel: its action, observation, numbers, pairs and paths.
 * @param {string} taskId
 * @param {ViewTreeNode} node
 * @param {TreeView} view
 * @param {Map<string, boolean | null>} outcome resolved or not, by trajectory id
 * @returns {HTMLElement[]}
 */
function nodePanel(taskId, node, view, outcome) {
  /** @type {HTMLElement[]} */
  const parts = [
    h("h3", null, node.critical ? "★ critical node" : `${node.kind} node`, " ", h("code", null, node.id)),
    node.message
      ? h("div", { class: "msg assistant node-action" }, renderAction(node.message))
      : h("pre", { class: "pre action" }, node.label),
  ];
  if (node.observation_preview)
    parts.push(
      h(
        "div",
        { class: "msg tool" },
        h("div", { class: "role" }, "observation (start)"),
        h("pre", { class: "pre" }, node.observation_preview),
      ),
    );
  parts.push(
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
  );
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
    const open = async (/** @type {string} */ id) => {
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
                onclick: (/** @type {Event} */ e) => {
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
    const first = here.items[0];
    if (node.critical && first) void open(first.id);
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
