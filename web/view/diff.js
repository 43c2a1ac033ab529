import { h } from "./dom.js";

// A small syntax highlighter for unified diffs: line kinds (file header, hunk, added, removed)
// and, inside code lines, keywords, strings, comments and numbers of the file's language.

/** @typedef {"py" | "js" | "ts"} Lang */

const JS_KEYWORDS =
  "async await break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof let new null return static super switch this throw true try typeof undefined var void while with yield";

/** @type {Record<"py" | "js" | "ts", string>} */
const KEYWORDS = {
  py: "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self",
  js: JS_KEYWORDS,
  ts: `${JS_KEYWORDS} interface type enum implements readonly`,
};

const TOKEN =
  /(#.*$|\/\/.*$)|("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`)|\b(\d+(?:\.\d+)?)\b|\b([A-Za-z_]\w*)\b/g;

/**
 * @param {string} path
 * @returns {Lang | null}
 */
function languageOf(path) {
  if (/\.py$/.test(path)) return "py";
  if (/\.(m?js|cjs|jsx)$/.test(path)) return "js";
  if (/\.tsx?$/.test(path)) return "ts";
  return null;
}

/**
 * Spans for one line of code in a language (null: plain text).
 * @param {string} text
 * @param {Lang | null} lang
 * @returns {(string | HTMLElement)[]}
 */
export function highlightCode(text, lang) {
  const words = lang ? new Set(KEYWORDS[lang].split(" ")) : null;
  if (!words) return [text];
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const [all, comment, string, number, word] = m;
    // "#" starts a comment only in Python; "//" only in JS/TS.
    let cls = null;
    if (comment) cls = (comment.startsWith("#") ? lang === "py" : lang !== "py") ? "tok-com" : null;
    else if (string) cls = "tok-str";
    else if (number) cls = "tok-num";
    else if (word && words.has(word)) cls = "tok-kw";
    if (!cls) continue;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(h("span", { class: cls }, all));
    last = m.index + all.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/**
 * A unified diff, highlighted.
 * @param {string} patch
 */
export function renderDiff(patch) {
  const pre = h("pre", { class: "diff" });
  /** @type {Lang | null} */
  let lang = null;
  for (const line of patch.split("\n")) {
    let cls = "ctx";
    /** @type {(string | HTMLElement)[]} */
    let body = [line];
    if (
      line.startsWith("diff --git") ||
      line.startsWith("index ") ||
      line.startsWith("new file") ||
      line.startsWith("deleted file")
    ) {
      cls = "file";
      const m = line.match(/^diff --git a\/(\S+)/);
      if (m?.[1]) lang = languageOf(m[1]);
    } else if (line.startsWith("+++") || line.startsWith("---")) {
      cls = "file";
      const m = line.match(/^[+-]{3} [ab]\/(\S+)/);
      if (m?.[1]) lang = languageOf(m[1]);
    } else if (line.startsWith("@@")) cls = "hunk";
    else if (line.startsWith("+")) {
      cls = "add";
      body = ["+", ...highlightCode(line.slice(1), lang)];
    } else if (line.startsWith("-")) {
      cls = "del";
      body = ["-", ...highlightCode(line.slice(1), lang)];
    } else body = highlightCode(line, lang);
    pre.append(h("span", { class: `dl ${cls}` }, ...body), "\n");
  }
  return pre;
}
