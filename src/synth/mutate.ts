/**
 * Bug injection for task synthesis (SWE-smith's idea): small, plausible, line-level mutations
 * of source code. Each mutation changes one line; its inverse is the gold fix.
 *
 * Only code outside string literals and comments is mutated (a per-line mask built by a small
 * lexer that knows Python's and JavaScript's quotes and comments), so issue-worthy behaviour
 * changes rather than message texts.
 */

/** The kinds of bug injected. */
export type MutationKind =
  | "operator"
  | "boundary"
  | "removed-condition"
  | "negation-removed"
  | "swapped-arguments";

export const MUTATION_KINDS: readonly MutationKind[] = [
  "operator",
  "boundary",
  "removed-condition",
  "negation-removed",
  "swapped-arguments",
];

/** One candidate bug: a single line of one file replaced. */
export interface Mutation {
  file: string;
  /** 1-based line number. */
  line: number;
  kind: MutationKind;
  /** The original line (what the gold fix restores). */
  before: string;
  /** The mutated line. */
  after: string;
  /** What changed, e.g. "`<=` -> `<`". */
  description: string;
}

export type SourceLanguage = "python" | "javascript";

/** The language of a source file from its extension, or null when it is not mutated. */
export function sourceLanguage(path: string): SourceLanguage | null {
  if (/\.py$/.test(path)) return "python";
  if (/\.(js|mjs|cjs|ts|mts|cts|jsx|tsx)$/.test(path) && !/\.d\.ts$/.test(path)) return "javascript";
  return null;
}

/**
 * A mask per line: true where the character is code (not inside a string or comment). State
 * carries across lines for Python triple-quoted strings and JS block comments / template
 * literals.
 */
export function codeMask(lines: string[], language: SourceLanguage): boolean[][] {
  const masks: boolean[][] = [];
  let open: string | null = null; // the closing delimiter we are inside of, across lines
  for (const line of lines) {
    const mask = new Array<boolean>(line.length).fill(false);
    let i = 0;
    while (i < line.length) {
      if (open !== null) {
        if (open.length === 1 && line[i] === "\\") {
          i += 2;
          continue;
        }
        if (line.startsWith(open, i)) {
          i += open.length;
          open = null;
        } else i++;
        continue;
      }
      const rest = line.slice(i);
      if (language === "python") {
        if (line[i] === "#") break;
        const triple = /^[rbuRBUfF]{0,2}("""|''')/.exec(rest);
        if (triple) {
          open = triple[1]!;
          i += triple[0].length;
          continue;
        }
      } else {
        if (rest.startsWith("//")) break;
        if (rest.startsWith("/*")) {
          open = "*/";
          i += 2;
          continue;
        }
        if (line[i] === "`") {
          open = "`";
          i++;
          continue;
        }
      }
      if (line[i] === '"' || line[i] === "'") {
        const quote = line[i]!;
        i++;
        while (i < line.length && line[i] !== quote) i += line[i] === "\\" ? 2 : 1;
        i++;
        continue;
      }
      mask[i] = true;
      i++;
    }
    // Single-quoted strings do not continue onto the next line.
    if (open === '"' || open === "'") open = null;
    masks.push(mask);
  }
  return masks;
}

interface Rewrite {
  kind: MutationKind;
  pattern: RegExp;
  replace: (match: RegExpExecArray) => string | null;
  describe: (match: RegExpExecArray, replacement: string) => string;
}

const swapOps = (pairs: Record<string, string>, pattern: RegExp): Rewrite => ({
  kind: "operator",
  pattern,
  replace: (m) => pairs[m[0]] ?? null,
  describe: (m, r) => `\`${m[0]}\` -> \`${r}\``,
});

const COMMON_OPS: Rewrite[] = [
  // comparison operators, not parts of <<, >>, =>, ->, <=> or arrows
  swapOps({ "<=": "<", ">=": ">" }, /(?<![<>=!-])(<=|>=)(?![=>])/g),
  swapOps({ "<": "<=", ">": ">=" }, /(?<![<>=!-])[<>](?![<>=])/g),
  swapOps({ " + ": " - ", " - ": " + " }, / [+-] (?!=)/g),
];

const PYTHON_REWRITES: Rewrite[] = [
  ...COMMON_OPS,
  swapOps({ "==": "!=", "!=": "==" }, /(?<![=!<>])(==|!=)(?!=)/g),
  swapOps({ and: "or", or: "and" }, /\b(and|or)\b/g),
  {
    kind: "removed-condition",
    pattern: /^(\s*if )(.+)(:\s*)$/g,
    replace: (m) => (m[2]!.trim() === "True" ? null : "True"),
    describe: (m) => `condition \`${m[2]!.trim()}\` removed (always true)`,
  },
  {
    kind: "negation-removed",
    pattern: /\bnot (?!in\b)/g,
    replace: () => "",
    describe: () => "`not` removed",
  },
];

const JS_REWRITES: Rewrite[] = [
  ...COMMON_OPS,
  swapOps({ "===": "!==", "!==": "===" }, /(===|!==)/g),
  swapOps({ "&&": "||", "||": "&&" }, /(&&|\|\|)(?!=)/g),
  {
    kind: "negation-removed",
    pattern: /!(?![=])(?=[\w(])/g,
    replace: () => "",
    describe: () => "`!` removed",
  },
];

const BOUNDARY: Rewrite = {
  kind: "boundary",
  pattern: /(?<![\w.])(\d+)(?![\w.])/g,
  replace: () => null, // handled specially: two candidates (n+1, n-1)
  describe: () => "",
};

const SWAP_ARGS: Rewrite = {
  kind: "swapped-arguments",
  pattern: /(?<![\w.])([A-Za-z_][\w.]*)\(\s*([^(),\s][^(),]*?)\s*,\s*([^(),\s][^(),]*?)\s*\)/g,
  replace: (m) => {
    const [a, b] = [m[2]!.trim(), m[3]!.trim()];
    if (a === b || /[=:*]/.test(a + b)) return null;
    return `${m[1]}(${b}, ${a})`;
  },
  describe: (m) => `arguments of \`${m[1]}(...)\` swapped`,
};

/** Lines never mutated: imports, definitions and blank or trivially short lines. */
function skipLine(line: string, language: SourceLanguage): boolean {
  const text = line.trim();
  if (text.length < 3) return true;
  if (language === "python")
    return /^(import|from|def|class|@|return$)/.test(text) || /^[A-Z_]+\s*=/.test(text);
  if (/^(import|export \{|require|function\b|class\b|\/\/|\*)/.test(text) || /\brequire\(/.test(text))
    return true;
  // method definitions: `name(a, b) {`
  return /^(async\s+)?(?!(if|for|while|switch|catch|return)\b)[\w$]+\s*\(.*\)\s*\{$/.test(text);
}

function insideCode(mask: boolean[], start: number, length: number): boolean {
  for (let i = start; i < start + length; i++) if (!mask[i]) return false;
  return true;
}

/** Every single-line mutation of one source file, in file order. */
export function mutationsOf(file: string, content: string, language: SourceLanguage): Mutation[] {
  const lines = content.split("\n");
  const masks = codeMask(lines, language);
  const rewrites = language === "python" ? PYTHON_REWRITES : JS_REWRITES;
  const out: Mutation[] = [];
  const seen = new Set<string>();
  const push = (index: number, kind: MutationKind, after: string, description: string) => {
    const key = `${index}\u0000${after}`;
    if (after === lines[index] || seen.has(key)) return;
    seen.add(key);
    out.push({ file, line: index + 1, kind, before: lines[index]!, after, description });
  };
  lines.forEach((line, index) => {
    if (skipLine(line, language)) return;
    const mask = masks[index]!;
    for (const rewrite of [...rewrites, SWAP_ARGS]) {
      rewrite.pattern.lastIndex = 0;
      for (const match of line.matchAll(rewrite.pattern)) {
        const exec = match as unknown as RegExpExecArray;
        if (rewrite.kind === "removed-condition") {
          // only the condition part must be code (it usually is wholly code)
          const start = match.index + match[1]!.length;
          if (!mask[start]) continue;
          const replacement = rewrite.replace(exec);
          if (replacement === null) continue;
          const after = line.slice(0, start) + replacement + line.slice(start + match[2]!.length);
          push(index, rewrite.kind, after, rewrite.describe(exec, replacement));
          continue;
        }
        if (!insideCode(mask, match.index, match[0].length)) continue;
        const replacement = rewrite.replace(exec);
        if (replacement === null) continue;
        const after = line.slice(0, match.index) + replacement + line.slice(match.index + match[0].length);
        push(index, rewrite.kind, after, rewrite.describe(exec, replacement));
      }
    }
    if (language === "javascript") {
      const condition = jsIfCondition(line, mask);
      if (condition && condition.text.trim() !== "true") {
        const after = `${line.slice(0, condition.start)}true${line.slice(condition.end)}`;
        push(
          index,
          "removed-condition",
          after,
          `condition \`${condition.text.trim()}\` removed (always true)`,
        );
      }
    }
    BOUNDARY.pattern.lastIndex = 0;
    for (const match of line.matchAll(BOUNDARY.pattern)) {
      if (!insideCode(mask, match.index, match[0].length)) continue;
      const n = Number(match[1]);
      if (!Number.isSafeInteger(n) || n > 1000) continue;
      for (const m of n > 0 ? [n + 1, n - 1] : [n + 1]) {
        const after = line.slice(0, match.index) + String(m) + line.slice(match.index + match[0].length);
        push(index, "boundary", after, `\`${n}\` -> \`${m}\``);
      }
    }
  });
  return out;
}

/** The condition of a JavaScript `if (...)` starting the line: where it starts and ends. */
function jsIfCondition(line: string, mask: boolean[]): { start: number; end: number; text: string } | null {
  const head = /^(\s*(?:\}\s*else\s+)?if\s*\()/.exec(line);
  if (!head) return null;
  const start = head[1]!.length;
  let depth = 1;
  for (let i = start; i < line.length; i++) {
    if (!mask[i]) continue;
    if (line[i] === "(") depth++;
    else if (line[i] === ")" && --depth === 0) return { start, end: i, text: line.slice(start, i) };
  }
  return null;
}

/** Apply a mutation to a file's content (the line must still read `before`). */
export function applyMutation(content: string, mutation: Mutation): string {
  const lines = content.split("\n");
  if (lines[mutation.line - 1] !== mutation.before)
    throw new Error(`${mutation.file}:${mutation.line} does not read as expected`);
  lines[mutation.line - 1] = mutation.after;
  return lines.join("\n");
}
