/**
 * Cut the middle out of a long observation, keeping its start and its end (where errors and
 * exit codes usually are), with a marker that says how much was left out.
 */
export function truncateMiddle(text: string, maxChars: number, alreadyDropped = 0): string {
  if (text.length <= maxChars && alreadyDropped === 0) return text;
  if (text.length <= maxChars) {
    const half = Math.floor(text.length / 2);
    return `${text.slice(0, half)}\n[... ${alreadyDropped} characters truncated ...]\n${text.slice(half)}`;
  }
  const half = Math.floor(maxChars / 2);
  const dropped = text.length - 2 * half + alreadyDropped;
  return `${text.slice(0, half)}\n[... ${dropped} characters truncated ...]\n${text.slice(text.length - half)}`;
}
