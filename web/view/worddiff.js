// Word-level differences between two texts (a chosen and a rejected action): the words only one
// side has are marked, so that two 2,000-character edits that differ in one operator show it.

const TOKEN = /\s+|[A-Za-z_0-9]+|[^\sA-Za-z_0-9]/g;
/** Above this many words a side, only the common start and end are matched (LCS is quadratic). */
const MAX_TOKENS = 4000;

/** @typedef {{text: string, changed: boolean}} Segment */

/** @param {string} text */
function tokens(text) {
  return text.match(TOKEN) ?? [];
}

/**
 * Segments of `a` and of `b`, each `{text, changed}`: unchanged words are those of a longest
 * common subsequence of the two word lists.
 * @param {string} a
 * @param {string} b
 * @returns {[Segment[], Segment[]]}
 */
export function wordDiff(a, b) {
  const x = tokens(a);
  const y = tokens(b);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) start++;
  let endX = x.length;
  let endY = y.length;
  while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
    endX--;
    endY--;
  }
  const midX = x.slice(start, endX);
  const midY = y.slice(start, endY);
  const keepX = new Array(midX.length).fill(false);
  const keepY = new Array(midY.length).fill(false);
  if (midX.length && midY.length && midX.length * midY.length <= (MAX_TOKENS * MAX_TOKENS) / 4) {
    // LCS table: (n + 1) rows of (m + 1) cells in one array; cell (i, j) is the LCS length of
    // midX[i..] and midY[j..].
    const n = midX.length;
    const m = midY.length;
    const table = new Uint16Array((n + 1) * (m + 1));
    const cell = (/** @type {number} */ i, /** @type {number} */ j) => table[i * (m + 1) + j] ?? 0;
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        table[i * (m + 1) + j] =
          midX[i] === midY[j] ? cell(i + 1, j + 1) + 1 : Math.max(cell(i + 1, j), cell(i, j + 1));
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (midX[i] === midY[j]) {
        keepX[i++] = true;
        keepY[j++] = true;
      } else if (cell(i + 1, j) >= cell(i, j + 1)) i++;
      else j++;
    }
  }
  /**
   * @param {string[]} all
   * @param {boolean[]} keep
   */
  const segments = (all, keep) => {
    /** @type {Segment[]} */
    const out = [];
    /**
     * @param {string} text
     * @param {boolean} changed
     */
    const push = (text, changed) => {
      // Whitespace alone between two changes is not a change of its own.
      const last = out.at(-1);
      if (last && last.changed === changed) last.text += text;
      else out.push({ text, changed });
    };
    all.forEach((tok, k) => {
      const inMiddle = k >= start && k < start + keep.length;
      const changed = inMiddle && !keep[k - start] && !/^\s+$/.test(tok);
      push(tok, changed);
    });
    return out;
  };
  return [segments(x, keepX), segments(y, keepY)];
}
