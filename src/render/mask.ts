/**
 * The assistant-token mask exactly as transformers computes it for
 * `apply_chat_template(..., return_assistant_tokens_mask=True)`: for each generation span
 * [start, end), every token from `char_to_token(start)` to `char_to_token(end - 1)` is trained.
 * Its quirks are kept on purpose (a span whose first character has no token stops the scan; an
 * end token at index 0 extends to the end), since the point is to match the trainer token for
 * token.
 */
export function assistantTokenMask(
  offsets: { starts: ArrayLike<number>; ends: ArrayLike<number> },
  spans: readonly [number, number][],
): number[] {
  const count = offsets.starts.length;
  const mask = new Array<number>(count).fill(0);
  for (const [start, end] of spans) {
    const startToken = charToToken(offsets, start);
    const endToken = charToToken(offsets, end - 1);
    if (startToken === null) break;
    const stop = endToken ? endToken + 1 : count;
    for (let i = startToken; i < stop; i++) mask[i] = 1;
  }
  return mask;
}

/** The index of the first token whose [start, end) covers character `char`, or null. */
export function charToToken(
  offsets: { starts: ArrayLike<number>; ends: ArrayLike<number> },
  char: number,
): number | null {
  const { starts, ends } = offsets;
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  // Last token starting at or before `char` (starts are non-decreasing).
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= char) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return null;
  // Several tokens may share a start (pieces of one character): take the first that covers it.
  let i = found;
  while (i > 0 && starts[i - 1] === starts[found]) i--;
  for (; i <= found; i++) if (starts[i]! <= char && char < ends[i]!) return i;
  return null;
}
