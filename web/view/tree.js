import { h, s } from "./dom.js";

/**
 * A node as /api/tree draws it (no message or observation).
 * @typedef {import("../../src/view/api-types.js").DrawnTreeNode} TreeNode
 * @typedef {import("../../src/view/api-types.js").DrawnTree} DrawnTree
 */

const DX = 240; // horizontal distance between depths (room for a 60-character label)
const DY = 26; // vertical distance between leaves
const AUTO_FOLD_NODES = 800;
/** Above this many nodes, straight runs of single-child steps are drawn as one edge with a count. */
const CHAIN_NODES = 100;
/** Below this zoom the labels would be unreadable specks: they are hidden until zoomed in. */
const LABEL_MIN_SCALE = 0.45;

/**
 * Node colour by score: red (0) through amber to green (1); grey when unknown.
 * @param {number | null | undefined} score
 */
export function scoreColor(score) {
  if (score === null || score === undefined) return "#999";
  return `hsl(${Math.round(120 * score)}, 65%, 42%)`;
}

/**
 * A drawn trajectory tree: left to right from the root, node size by visits, colour by score,
 * critical nodes ringed. Wheel zooms (around the pointer), dragging pans, a click selects a node,
 * a double click (or `toggle`) collapses / expands its subtree.
 *
 * @param {{nodes: TreeNode[]}} tree
 * @param {{onSelect: (node: TreeNode) => void}} options
 */
export function treeView(tree, { onSelect }) {
  /** @type {Map<string, TreeNode>} */
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  /** @type {Map<string, TreeNode[]>} */
  const children = new Map(tree.nodes.map((n) => [n.id, []]));
  /** A node's children (none for an id the tree does not have). */
  const kidsOf = (/** @type {string} */ id) => children.get(id) ?? [];
  /** @type {TreeNode[]} */
  const roots = [];
  for (const n of tree.nodes) {
    const siblings = n.parent === null ? undefined : children.get(n.parent);
    if (siblings) siblings.push(n);
    else roots.push(n);
  }
  const maxVisits = Math.max(1, ...tree.nodes.map((n) => n.visits));
  /** @type {Set<string>} */
  const collapsed = new Set();
  // A big tree opens with its single-trajectory tails folded (a tail is a path only one
  // trajectory took: it holds most nodes and no decision); "expand all" unfolds them.
  if (tree.nodes.length > AUTO_FOLD_NODES) {
    for (const n of tree.nodes) {
      const parent = n.parent === null ? null : byId.get(n.parent);
      if (n.visits === 1 && parent && parent.visits > 1 && kidsOf(n.id).length) collapsed.add(n.id);
    }
  }
  /** @type {string | null} */
  let selected = null;
  // Chains: a run of nodes with one child each says nothing until it branches or ends. They are
  // drawn as one edge labelled with how many steps it stands for; critical nodes and the chosen /
  // rejected children of one are never hidden in a chain, nor a node that was selected.
  let chains = tree.nodes.length > CHAIN_NODES;
  /** @type {Set<string>} */
  const pinned = new Set();
  const special = (/** @type {TreeNode} */ n) => n.critical || n.role || pinned.has(n.id);
  // Subtree sizes, once (a collapsed node shows +N without walking its subtree each draw).
  /** @type {Map<string, number>} */
  const size = new Map();
  {
    const order = [];
    const stack = [...roots];
    for (let n = stack.pop(); n; n = stack.pop()) {
      order.push(n);
      stack.push(...kidsOf(n.id));
    }
    for (const n of order.reverse())
      size.set(n.id, 1 + kidsOf(n.id).reduce((sum, c) => sum + (size.get(c.id) ?? 1), 0));
  }
  const view = { x: 20, y: 20, k: 1 };

  const layer = s("g", { class: "tree-layer" });
  const svg = s("svg", { class: "tree-svg", tabindex: "0" }, layer);
  const root = h("div", { class: "tree-wrap" }, svg);

  /** @param {TreeNode} node */
  function hiddenCount(node) {
    return (size.get(node.id) ?? 1) - 1;
  }

  /**
   * The node a drawn edge from `parent` reaches through `kid`: the end of kid's chain.
   * @param {TreeNode} kid
   */
  function chainEnd(kid) {
    let end = kid;
    let skipped = 0;
    for (
      let only = kidsOf(end.id);
      chains && !special(end) && !collapsed.has(end.id) && only.length === 1 && only[0];
      only = kidsOf(end.id)
    ) {
      end = only[0];
      skipped++;
    }
    return { end, skipped };
  }

  /**
   * Tidy layout: each visible leaf gets a row; a parent sits level with the middle of its
   * children. `drawnParent` and `skippedTo` say which edges stand for chains of hidden steps.
   */
  function layout() {
    /** @type {Map<string, {x: number, y: number}>} */
    const pos = new Map();
    /** @type {Map<string, string>} */
    const drawnParent = new Map();
    /** @type {Map<string, number>} */
    const skippedTo = new Map();
    let row = 0;
    // Iterative (a 10,000-node tree can be deep): children first, then the parent between them.
    /** @type {{node: TreeNode, depth: number, visited: boolean, kids: TreeNode[]}[]} */
    const stack = roots.map((r) => ({ node: r, depth: 0, visited: false, kids: [] }));
    for (let item = stack.at(-1); item; item = stack.at(-1)) {
      const { node, depth } = item;
      if (!item.visited) {
        item.visited = true;
        const raw = collapsed.has(node.id) ? [] : kidsOf(node.id);
        item.kids = raw.map((kid) => {
          const { end, skipped } = chainEnd(kid);
          drawnParent.set(end.id, node.id);
          if (skipped) skippedTo.set(end.id, skipped);
          return end;
        });
        for (const kid of [...item.kids].reverse())
          stack.push({ node: kid, depth: depth + 1, visited: false, kids: [] });
        continue;
      }
      stack.pop();
      const first = item.kids[0];
      const last = item.kids.at(-1);
      if (!first || !last) pos.set(node.id, { x: depth * DX, y: row++ * DY });
      else {
        // Children are placed before their parent, so both are in pos.
        const y0 = pos.get(first.id)?.y ?? 0;
        const y1 = pos.get(last.id)?.y ?? 0;
        pos.set(node.id, { x: depth * DX, y: (y0 + y1) / 2 });
      }
    }
    return { pos, drawnParent, skippedTo };
  }

  /** @param {TreeNode} node */
  function radius(node) {
    return 3 + 9 * Math.sqrt(node.visits / maxVisits);
  }

  let positions = new Map();
  function draw() {
    const { pos, drawnParent, skippedTo } = layout();
    positions = pos;
    const edges = s("g", { class: "edges" });
    const nodes = s("g", { class: "nodes" });
    for (const [id, p] of pos) {
      const node = byId.get(id);
      if (!node) continue;
      const parentId = drawnParent.get(id);
      const q = parentId === undefined ? undefined : pos.get(parentId);
      if (q) {
        const mx = (p.x + q.x) / 2;
        const skipped = skippedTo.get(id);
        edges.append(
          s("path", {
            d: `M${q.x},${q.y} C${mx},${q.y} ${mx},${p.y} ${p.x},${p.y}`,
            "stroke-width": 1 + 3 * (node.visits / maxVisits),
            class: skipped ? "chain" : null,
          }),
        );
        if (skipped)
          edges.append(
            s(
              "text",
              { x: mx, y: (p.y + q.y) / 2 - 3, class: "chain-n", "text-anchor": "middle" },
              `${skipped + 1} steps`,
            ),
          );
      }
      const r = radius(node);
      const kids = kidsOf(id).length;
      const cls = [
        "node",
        node.critical ? "critical" : "",
        selected === id ? "selected" : "",
        collapsed.has(id) ? "collapsed" : "",
        node.role ? `role-${node.role}` : "",
      ].join(" ");
      nodes.append(
        s(
          "g",
          {
            class: cls,
            transform: `translate(${p.x},${p.y})`,
            "data-id": id,
            "data-critical": node.critical ? "1" : "0",
            "data-role": node.role ?? null,
            "data-leaf": node.leaf ?? null,
          },
          node.critical ? s("circle", { r: r + 4, class: "crit-ring" }) : null,
          s("circle", { r, fill: scoreColor(node.score), class: "dot" }),
          node.leaf ? leafBadge(node.leaf, r) : null,
          s(
            "title",
            null,
            `${node.label}\nvisits ${node.visits} · score ${node.score === null ? "?" : node.score.toFixed(2)}${node.critical ? " · critical" : ""}${node.role ? ` · ${node.role} of a pair` : ""}`,
          ),
          s(
            "text",
            { x: r + 4, y: 4, class: "nlabel" },
            node.role === "chosen" ? "▲ " : node.role === "rejected" ? "▼ " : "",
            shortLabel(node),
          ),
          collapsed.has(id) && kids
            ? s("text", { x: -r - 4, y: 4, class: "nmore", "text-anchor": "end" }, `+${hiddenCount(node)}`)
            : null,
        ),
      );
    }
    layer.replaceChildren(edges, nodes);
    applyView();
  }

  // One listener for every node (10,000 nodes would be 20,000 listeners).
  /**
   * The id of the node an event happened on (null off the nodes).
   * @param {Event} event
   */
  const nodeIdOf = (event) =>
    event.target instanceof Element ? (event.target.closest(".node")?.getAttribute("data-id") ?? null) : null;
  layer.addEventListener("click", (event) => {
    const id = nodeIdOf(event);
    if (id === null) return;
    event.stopPropagation();
    select(id);
  });
  layer.addEventListener("dblclick", (event) => {
    const id = nodeIdOf(event);
    if (id === null) return;
    event.stopPropagation();
    toggle(id);
  });

  function applyView() {
    layer.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
    svg.classList.toggle("far", view.k < LABEL_MIN_SCALE);
    // Zoomed far out, nodes keep a few screen pixels (app.css scales them by 1/k) and edges one.
    svg.style.setProperty("--inv", String(1 / view.k));
  }

  /**
   * Make a node drawn: unfold its collapsed ancestors and keep it out of any chain.
   * @param {string} id
   */
  function reveal(id) {
    if (positions.has(id)) return;
    pinned.add(id);
    for (let n = byId.get(id); n && n.parent !== null; n = byId.get(n.parent)) collapsed.delete(n.parent);
    draw();
  }

  /** @param {string} id */
  function select(id) {
    const node = byId.get(id);
    if (!node) return;
    reveal(id);
    selected = id;
    for (const el of layer.querySelectorAll(".node.selected")) el.classList.remove("selected");
    layer.querySelector(`.node[data-id="${CSS.escape(id)}"]`)?.classList.add("selected");
    onSelect(node);
  }

  /** @param {string} id */
  function toggle(id) {
    if (kidsOf(id).length === 0) return;
    if (collapsed.has(id)) collapsed.delete(id);
    else collapsed.add(id);
    draw();
  }

  /**
   * @param {number} factor
   * @param {number} cx
   * @param {number} cy
   */
  function zoom(factor, cx, cy) {
    const k = Math.min(8, Math.max(0.05, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    applyView();
  }

  /** The whole tree in view, however small that makes it (labels show again when zoomed in). */
  function fit() {
    const box = layer.getBBox();
    const w = svg.clientWidth || 800;
    const hgt = svg.clientHeight || 600;
    if (!box.width && !box.height) return;
    const k = Math.min(2, (w - 40) / Math.max(1, box.width), (hgt - 40) / Math.max(1, box.height));
    view.k = Math.max(0.002, k);
    view.x = (w - box.width * view.k) / 2 - box.x * view.k;
    view.y = (hgt - box.height * view.k) / 2 - box.y * view.k;
    applyView();
  }

  /** Keys on a focused tree: ← parent, → first child, ↑ / ↓ (k / j) previous / next sibling. */
  svg.addEventListener("keydown", (event) => {
    const current = selected ? byId.get(selected) : roots[0];
    if (!current) return;
    const siblings = current.parent === null ? roots : kidsOf(current.parent);
    const at = siblings.indexOf(current);
    /** @type {Record<string, string | null | undefined>} */
    const targets = {
      ArrowLeft: current.parent,
      h: current.parent,
      ArrowRight: kidsOf(current.id)[0]?.id,
      l: kidsOf(current.id)[0]?.id,
      ArrowDown: siblings[at + 1]?.id,
      j: siblings[at + 1]?.id,
      ArrowUp: siblings[at - 1]?.id,
      k: siblings[at - 1]?.id,
    };
    const target = targets[event.key];
    if (target === undefined || target === null) return;
    event.preventDefault();
    select(target);
  });

  svg.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - rect.left, event.clientY - rect.top);
    },
    { passive: false },
  );
  /** @type {{x: number, y: number, vx: number, vy: number} | null} */
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.target instanceof Element && event.target.closest(".node")) return;
    drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y };
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    view.x = drag.vx + event.clientX - drag.x;
    view.y = drag.vy + event.clientY - drag.y;
    applyView();
  });
  svg.addEventListener("pointerup", () => {
    drag = null;
  });

  const chainButton = h(
    "button",
    {
      type: "button",
      id: "tree-chains",
      onclick: () => {
        chains = !chains;
        chainButton.textContent = chains ? "show every step" : "fold chains";
        draw();
      },
    },
    chains ? "show every step" : "fold chains",
  );
  const controls = h(
    "div",
    { class: "tree-controls" },
    h(
      "button",
      {
        type: "button",
        onclick: () => zoom(1.25, svg.clientWidth / 2, svg.clientHeight / 2),
        title: "zoom in",
      },
      "+",
    ),
    h(
      "button",
      {
        type: "button",
        onclick: () => zoom(0.8, svg.clientWidth / 2, svg.clientHeight / 2),
        title: "zoom out",
      },
      "−",
    ),
    h("button", { type: "button", onclick: fit, id: "tree-fit" }, "fit"),
    chainButton,
    h(
      "button",
      {
        type: "button",
        // Every node drawn: no collapsed subtree, no folded chain.
        onclick: () => {
          collapsed.clear();
          chains = false;
          chainButton.textContent = "fold chains";
          draw();
        },
      },
      "expand all",
    ),
    h(
      "span",
      { class: "legend-tree" },
      h("i", { class: "sw", style: `background:${scoreColor(0)}` }),
      "score 0 ",
      h("i", { class: "sw", style: `background:${scoreColor(0.5)}` }),
      "0.5 ",
      h("i", { class: "sw", style: `background:${scoreColor(1)}` }),
      "1 ",
      h("i", { class: "sw crit" }),
      "critical · ▲ chosen ▼ rejected · leaves: ✓ resolved ✗ failed ⟳ stuck · size = visits · double-click collapses · keys ← → ↑ ↓",
    ),
  );
  root.prepend(controls);

  draw();
  return {
    element: root,
    fit,
    select,
    toggle,
    isCollapsed: (/** @type {string} */ id) => collapsed.has(id),
    /** Nodes drawn now (chains and collapsed subtrees hide the rest). */
    drawn: () => positions.size,
    children: kidsOf,
    node: (/** @type {string} */ id) => byId.get(id),
    /**
     * Keys from the root to the node, root included.
     * @param {string} id
     */
    pathOf(id) {
      const path = [];
      for (let n = byId.get(id); n; n = n.parent === null ? undefined : byId.get(n.parent))
        path.unshift(n.key);
      return path;
    },
  };
}

/**
 * The server's label that tells the node apart from its siblings (tree-labels.ts).
 * @param {TreeNode} node
 */
function shortLabel(node) {
  const text = String(node.short ?? node.label ?? node.key).replace(/\s+/g, " ");
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** @type {Record<string, string>} */
const LEAF_MARK = { resolved: "✓", failed: "✗", stuck: "⟳", mixed: "½" };

/**
 * A leaf's outcome as a small badge on its top right (as moatless-tree-search marks them).
 * @param {string} leaf
 * @param {number} r
 */
function leafBadge(leaf, r) {
  return s(
    "g",
    { class: `leaf-badge ${leaf}`, transform: `translate(${r * 0.8},${-r * 0.8})` },
    s("circle", { r: 5.5 }),
    s("text", { y: 3, "text-anchor": "middle" }, LEAF_MARK[leaf] ?? "?"),
  );
}
