// Small DOM helpers. Every piece of data goes in through textContent / attributes, never as
// HTML, so a trajectory's content cannot inject markup into the page.

/**
 * The viewer API's answers, shared with the server's handlers (src/view/api-types.ts).
 * @typedef {import("../../src/view/api-types.js").ViewApi} ViewApi
 * @typedef {import("../../src/view/api-types.js").ViewApiName} ViewApiName
 */

/**
 * What h() and s() take as children: nodes, text, numbers, nested lists; null, undefined and
 * false are left out.
 * @typedef {Node | string | number | boolean | null | undefined | ChildList} Child
 * @typedef {Child[]} ChildList
 */

/**
 * A query parameter: left out when undefined, null or "".
 * @typedef {string | number | boolean | null | undefined} Param
 */

/**
 * Create an element: h("div", {class: "x", onclick: fn}, child, "text", [more]).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function")
      el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/**
 * SVG element with attributes.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on") && typeof value === "function")
      el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Fetch JSON from the viewer's API; throws with the server's error message.
 * @template {ViewApiName} N
 * @param {N} path
 * @param {Record<string, Param>} [params]
 * @returns {Promise<ViewApi[N]>}
 */
export async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") query.set(k, String(v));
  const qs = query.toString();
  const res = await fetch(`/api/${path}${qs ? `?${qs}` : ""}`);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/**
 * "12.3%" of a part of a whole ("-" when the whole is 0).
 * @param {number} part
 * @param {number} whole
 */
export function pct(part, whole) {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : "-";
}

/**
 * A link to a page of the app.
 * @param {string} hash
 * @param {...Child} children
 */
export function link(hash, ...children) {
  return h("a", { href: hash }, ...children);
}

/**
 * Encode a value for a #/route/<value> segment.
 * @param {string} value
 */
export function enc(value) {
  return encodeURIComponent(value);
}

/**
 * Text that is folded when longer than `lines` lines (long observations, prompts).
 * @param {string} text
 * @param {number} [lines]
 * @param {string} [cls]
 */
export function folded(text, lines = 12, cls = "pre") {
  const all = text.split("\n");
  if (all.length <= lines && text.length <= 2000) return h("pre", { class: cls }, text);
  const head = all.slice(0, Math.min(lines, all.length)).join("\n").slice(0, 2000);
  return h(
    "details",
    { class: "fold" },
    h(
      "summary",
      null,
      h("pre", { class: cls }, head),
      h("span", { class: "more" }, `show all ${all.length} lines`),
    ),
    h("pre", { class: cls }, text),
  );
}

/**
 * A resolved / failed / unknown badge.
 * @param {boolean | null | undefined} resolved
 */
export function outcomeBadge(resolved) {
  if (resolved === true) return h("span", { class: "badge ok" }, "resolved");
  if (resolved === false) return h("span", { class: "badge bad" }, "failed");
  return h("span", { class: "badge unk" }, "not judged");
}

/**
 * Two action previews with their common start elided, so that what differs shows:
 * `str_replace_editor {"command":"str_replace",..."new_str":"a"}` vs `..."new_str":"b"}`.
 * @param {string} a
 * @param {string} b
 * @param {number} [keep]
 * @returns {[string, string]}
 */
export function contrast(a, b, keep = 24) {
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  if (common <= keep + 8) return [a, b];
  const tool = a.split(" ")[0];
  const cut = common - keep;
  return [`${tool} …${a.slice(cut)}`, `${tool} …${b.slice(cut)}`];
}
