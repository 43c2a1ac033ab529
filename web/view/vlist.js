import { h } from "./dom.js";

const PAGE = 100;

/**
 * A virtualised, lazily loaded list: only the rows in view (plus a margin) exist in the DOM,
 * and rows are fetched a page at a time as they scroll into view. With 10,000 trajectories the
 * page holds a few dozen row elements and has fetched one page.
 *
 * @template T
 * @param {object} options
 * @param {(offset: number, limit: number) => Promise<{total: number, items?: T[], rows?: T[]}>} options.fetchPage
 * @param {(item: T, index: number) => HTMLElement} options.renderRow
 * @param {number} [options.rowHeight] pixels per row (rows are fixed height)
 * @param {string} [options.height] CSS height of the scroller
 * @param {HTMLElement} [options.header] a header row kept above the rows
 * @param {(total: number) => void} [options.onTotal]
 */
export function virtualList({ fetchPage, renderRow, rowHeight = 32, height = "60vh", header, onTotal }) {
  /** @type {Map<number, T[]>} */
  const pages = new Map();
  /** @type {Set<number>} */
  const loading = new Set();
  let total = 0;
  let known = false;
  const spacer = h("div", { class: "vspacer" });
  const rows = h("div", { class: "vrows" });
  const scroller = h("div", { class: "vscroll", style: `height:${height}` }, spacer, rows);
  const root = h("div", { class: "vlist" }, header ?? null, scroller);
  const empty = h("div", { class: "vempty" }, "nothing matches");

  /** @param {number} index */
  function item(index) {
    const page = pages.get(Math.floor(index / PAGE));
    return page ? page[index % PAGE] : undefined;
  }

  /** @param {number} pageIndex */
  async function load(pageIndex) {
    if (pages.has(pageIndex) || loading.has(pageIndex)) return;
    loading.add(pageIndex);
    try {
      const result = await fetchPage(pageIndex * PAGE, PAGE);
      // /api/trajectories answers {total, rows}; the other lists {total, items}.
      pages.set(pageIndex, result.rows ?? result.items ?? []);
      if (!known || result.total !== total) setTotal(result.total);
    } finally {
      loading.delete(pageIndex);
    }
    render();
  }

  /** @param {number} n */
  function setTotal(n) {
    known = true;
    total = n;
    spacer.style.height = `${total * rowHeight}px`;
    // A short list takes only the room it needs (up to the given height).
    scroller.style.height = `min(${height}, ${Math.max(1, total) * rowHeight + 2}px)`;
    if (onTotal) onTotal(total);
  }

  function render() {
    const top = scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / rowHeight) - 10);
    const last = Math.min(total, Math.ceil((top + scroller.clientHeight) / rowHeight) + 10);
    rows.replaceChildren();
    if (total === 0 && pages.has(0)) rows.append(empty);
    for (let i = first; i < last; i++) {
      const value = item(i);
      const row = value === undefined ? h("div", { class: "vrow loading" }, "…") : renderRow(value, i);
      row.classList.add("vrow");
      row.style.top = `${i * rowHeight}px`;
      row.style.height = `${rowHeight}px`;
      rows.append(row);
      if (value === undefined) void load(Math.floor(i / PAGE));
    }
  }

  let frame = 0;
  scroller.addEventListener("scroll", () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(render);
  });
  void load(0);
  return root;
}
