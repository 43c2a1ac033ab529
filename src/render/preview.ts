/**
 * Human-readable views of what the trainer learns: trained tokens between ⟦ and ⟧ (green on a
 * terminal), masked tokens plain (dim on a terminal). Built from the tokens themselves, so a
 * boundary shown is a token boundary.
 */
export interface PreviewStyle {
  color: boolean;
}

const OPEN = "⟦";
const CLOSE = "⟧";

export function markSpans(
  text: string,
  offsets: { starts: ArrayLike<number>; ends: ArrayLike<number> },
  mask: number[],
  style: PreviewStyle,
): string {
  let out = "";
  let cursor = 0;
  let i = 0;
  const n = mask.length;
  const masked = (s: string) => (style.color ? `\u001b[2m${s}\u001b[22m` : s);
  const trained = (s: string) =>
    style.color ? `\u001b[32m${OPEN}${s}${CLOSE}\u001b[39m` : `${OPEN}${s}${CLOSE}`;
  while (i < n) {
    const value = mask[i];
    let j = i;
    while (j < n && mask[j] === value) j++;
    const end = j < n ? offsets.starts[j]! : text.length;
    const piece = text.slice(cursor, end);
    out += value === 1 ? trained(piece) : masked(piece);
    cursor = end;
    i = j;
  }
  if (cursor < text.length) out += masked(text.slice(cursor));
  return out;
}

/** A token count line such as "812 tokens, 143 trained (17.6%)". */
export function tokenSummary(total: number, trained: number): string {
  const share = total > 0 ? ((100 * trained) / total).toFixed(1) : "0.0";
  return `${total} tokens, ${trained} trained (${share}%)`;
}

/** Show a DPO example: the masked prompt, then the two trained completions. */
export function previewDpo(
  parts: { promptText: string; chosenText: string; rejectedText: string },
  style: PreviewStyle,
): string {
  const dim = (s: string) => (style.color ? `\u001b[2m${s}\u001b[22m` : s);
  const mark = (s: string) =>
    style.color ? `\u001b[32m${OPEN}${s}${CLOSE}\u001b[39m` : `${OPEN}${s}${CLOSE}`;
  return [
    "--- prompt (masked) ---",
    dim(parts.promptText),
    "--- chosen (trained) ---",
    mark(parts.chosenText),
    "--- rejected (trained) ---",
    mark(parts.rejectedText),
  ].join("\n");
}
