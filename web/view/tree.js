import { h, s } from "./dom.js";

const DX = 150; // horizontal distance between depths
const DY = 26; // vertical distance between leaves
const AUTO_FOLD_NODES = 800;

/** Node colour by score: red (0) through amber to green (1); grey when unknown. */
export function scoreColor(score) {
  if (score === null || score === undefined) return "#999";
  return `hsl(${Math.round(120 * score)}, 65%, 42%)`;
}

/**
 * A drawn trajectory tree: left to right from the root, node size by visits, colour by score,
 * critical nodes ringed. Wheel zooms (around the pointer), dragging pans, a click selects a node,
 * a double click (or `toggle`) collapses / expands its subtree.
 *
 * @param {{nodes: any[]}} tree
 * @param {{onSelect: (node: any) => void}} options
 */
export function treeView(tree, { onSelect }) {
  const byId = new Map(tree.nodes.map((n) => [n.id, n]));
  const children = new Map(tree.nodes.map((n) => [n.id, []]));
  const roots = [];
  for (const n of tree.nodes) {
    if (n.parent !== null && children.has(n.parent)) children.get(n.parent).push(n);
    else roots.push(n);
  }
  const maxVisits = Math.max(1, ...tree.nodes.map((n) => n.visits));
  const collapsed = new Set();
  // A big tree opens with its single-trajectory tails folded (a tail is a path only one
  // trajectory took: it holds most nodes and no decision); "expand all" unfolds them.
  if (tree.nodes.length > AUTO_FOLD_NODES) {
    for (const n of tree.nodes) {
      const parent = n.parent === null ? null : byId.get(n.parent);
      if (n.visits === 1 && parent && parent.visits > 1 && children.get(n.id).length) collapsed.add(n.id);
    }
  }
  let selected = null;
  const view = { x: 20, y: 20, k: 1 };

  const layer = s("g", { class: "tree-layer" });
  const svg = s("svg", { class: "tree-svg", tabindex: "0" }, layer);
  const root = h("div", { class: "tree-wrap" }, svg);

  function hiddenCount(node) {
    let count = 0;
    const stack = [...children.get(node.id)];
    while (stack.length) {
      const n = stack.pop();
      count++;
      stack.push(...children.get(n.id));
    }
    return count;
  }

  /** Tidy layout: each visible leaf gets a row; a parent sits level with the middle of its children. */
  function layout() {
    const pos = new Map();
    let row = 0;
    const place = (node, depth) => {
      const kids = collapsed.has(node.id) ? [] : children.get(node.id);
      if (kids.length === 0) {
        pos.set(node.id, { x: depth * DX, y: row++ * DY });
      } else {
        for (const kid of kids) place(kid, depth + 1);
        const ys = kids.map((k) => pos.get(k.id).y);
        pos.set(node.id, { x: depth * DX, y: (Math.min(...ys) + Math.max(...ys)) / 2 });
      }
    };
    for (const r of roots) place(r, 0);
    return pos;
  }

  function radius(node) {
    return 3 + 9 * Math.sqrt(node.visits / maxVisits);
  }

  let positions = new Map();
  function draw() {
    const pos = layout();
    positions = pos;
    const edges = s("g", { class: "edges" });
    const nodes = s("g", { class: "nodes" });
    for (const [id, p] of pos) {
      const node = byId.get(id);
      if (node.parent !== null && pos.has(node.parent)) {
        const q = pos.get(node.parent);
        const mx = (p.x + q.x) / 2;
        edges.append(
          s("path", {
            d: `M${q.x},${q.y} C${mx},${q.y} ${mx},${p.y} ${p.x},${p.y}`,
            "stroke-width": 1 + 3 * (node.visits / maxVisits),
          }),
        );
      }
      const r = radius(node);
      const kids = children.get(id).length;
      const cls = [
        "node",
        node.critical ? "critical" : "",
        selected === id ? "selected" : "",
        collapsed.has(id) ? "collapsed" : "",
      ].join(" ");
      const g = s(
        "g",
        {
          class: cls,
          transform: `translate(${p.x},${p.y})`,
          "data-id": id,
          "data-critical": node.critical ? "1" : "0",
        },
        node.critical ? s("circle", { r: r + 4, class: "crit-ring" }) : null,
        s("circle", { r, fill: scoreColor(node.score) }),
        s(
          "title",
          null,
          `${node.label}\nvisits ${node.visits} · score ${node.score === null ? "?" : node.score.toFixed(2)}${node.critical ? " · critical" : ""}`,
        ),
        s("text", { x: r + 4, y: 4, class: "nlabel" }, shortLabel(node)),
        collapsed.has(id) && kids
          ? s("text", { x: -r - 4, y: 4, class: "nmore", "text-anchor": "end" }, `+${hiddenCount(node)}`)
          : null,
      );
      g.addEventListener("click", (event) => {
        event.stopPropagation();
        select(id);
      });
      g.addEventListener("dblclick", (event) => {
        event.stopPropagation();
        toggle(id);
      });
      nodes.append(g);
    }
    layer.replaceChildren(edges, nodes);
    applyView();
  }

  function applyView() {
    layer.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  }

  function select(id) {
    selected = id;
    for (const el of layer.querySelectorAll(".node.selected")) el.classList.remove("selected");
    layer.querySelector(`.node[data-id="${CSS.escape(id)}"]`)?.classList.add("selected");
    onSelect(byId.get(id));
  }

  function toggle(id) {
    if (children.get(id).length === 0) return;
    if (collapsed.has(id)) collapsed.delete(id);
    else collapsed.add(id);
    draw();
  }

  function zoom(factor, cx, cy) {
    const k = Math.min(8, Math.max(0.05, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    applyView();
  }

  function fit() {
    const box = layer.getBBox();
    const w = svg.clientWidth || 800;
    const hgt = svg.clientHeight || 600;
    if (!box.width || !box.height) return;
    // Big trees are tall: below a legible scale, fit the width only and let the user pan down.
    const k = Math.min(2, (w - 40) / box.width, (hgt - 40) / box.height);
    view.k = Math.max(0.3, k);
    view.x = 20 - box.x * view.k;
    view.y = 20 - box.y * view.k;
    if (k < view.k && roots.length) {
      // Too tall to fit legibly: keep the first root in the middle, the user pans from there.
      view.y = hgt / 2 - positions.get(roots[0].id).y * view.k;
    }
    applyView();
  }

  svg.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - rect.left, event.clientY - rect.top);
    },
    { passive: false },
  );
  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.target.closest?.(".node")) return;
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
    h("button", { type: "button", onclick: fit }, "fit"),
    h(
      "button",
      {
        type: "button",
        onclick: () => {
          collapsed.clear();
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
      "critical · size = visits · double-click collapses",
    ),
  );
  root.prepend(controls);

  draw();
  return {
    element: root,
    fit,
    select,
    toggle,
    isCollapsed: (id) => collapsed.has(id),
    children: (id) => children.get(id) ?? [],
    node: (id) => byId.get(id),
    /** Keys from the root to the node, root included. */
    pathOf(id) {
      const path = [];
      for (let n = byId.get(id); n; n = n.parent === null ? undefined : byId.get(n.parent))
        path.unshift(n.key);
      return path;
    },
  };
}

function shortLabel(node) {
  const text = String(node.label ?? node.key).replace(/\s+/g, " ");
  return text.length > 22 ? `${text.slice(0, 21)}…` : text;
}
