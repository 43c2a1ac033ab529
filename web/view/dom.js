// Small DOM helpers. Every piece of data goes in through textContent / attributes, never as
// HTML, so a trajectory's content cannot inject markup into the page.

/**
 * Create an element: h("div", {class: "x", onclick: fn}, child, "text", [more]).
 * @param {string} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** SVG element with attributes. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Fetch JSON from the viewer's API; throws with the server's error message. */
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

/** "12.3%" of a part of a whole ("-" when the whole is 0). */
export function pct(part, whole) {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : "-";
}

/** A link to a page of the app. */
export function link(hash, ...children) {
  return h("a", { href: hash }, ...children);
}

/** Encode a value for a #/route/<value> segment. */
export function enc(value) {
  return encodeURIComponent(value);
}

/** Text that is folded when longer than `lines` lines (long observations, prompts). */
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

/** A resolved / failed / unknown badge. */
export function outcomeBadge(resolved) {
  if (resolved === true) return h("span", { class: "badge ok" }, "resolved");
  if (resolved === false) return h("span", { class: "badge bad" }, "failed");
  return h("span", { class: "badge unk" }, "not judged");
}

/**
 * Two action previews with their common start elided, so that what differs shows:
 * `str_replace_editor {"command":"str_replace",..."new_str":"a"}` vs `..."new_str":"b"}`.
 */
export function contrast(a, b, keep = 24) {
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  if (common <= keep + 8) return [a, b];
  const tool = a.split(" ")[0];
  const cut = common - keep;
  return [`${tool} …${a.slice(cut)}`, `${tool} …${b.slice(cut)}`];
}
