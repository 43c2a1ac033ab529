import type { Step } from "./steps.js";

/**
 * Canonical action keys: two steps are "the same action" when their keys are equal.
 *
 * Rules (docs/tree.md lists them for users):
 * - A step's key is the list of its tool calls, in order, each as `[tool name, arguments]`,
 *   serialised as JSON. Tool-call ids are left out (scaffolds make them up at random).
 * - Arguments that parse to a JSON object are canonicalised: object keys sorted at every level;
 *   every string value has CRLF turned into LF and leading/trailing whitespace trimmed.
 *   Whitespace inside strings is otherwise kept (it matters in code, `old_str`, `file_text`),
 *   except in the `command` argument of shell tools (SHELL_TOOLS), where runs of spaces and
 *   tabs outside quotes are collapsed into one space: the shell splits on them anyway.
 * - Arguments that are not a JSON object are kept as their raw text, trimmed, as
 *   `[tool name, null, raw text]` (a shape no parsed object can take).
 * - A turn without tool calls (a message to the user) is keyed by its text with all
 *   whitespace runs collapsed: its text is the action.
 * - The free-text thought (reasoning and content beside tool calls) is left out unless
 *   `keyThought` is set; then it is added with whitespace runs collapsed.
 */

/** Tools whose `command` argument is a shell command line. */
export const SHELL_TOOLS: ReadonlySet<string> = new Set([
  "execute_bash",
  "bash",
  "shell",
  "run_shell",
  "run_command",
  "terminal",
  "cmd_run",
]);

export interface ActionKeyOptions {
  /** Include the thought in the key (`--key-thought`). */
  keyThought?: boolean;
}

/** Collapse every whitespace run into one space and trim. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function normaliseString(text: string): string {
  return (text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text).trim();
}

/** Collapse runs of spaces/tabs outside single and double quotes (shell word splitting). */
export function collapseShellSpaces(command: string): string {
  if (!/[ \t]{2}|\t/.test(command)) return command;
  let out = "";
  let quote: string | null = null;
  let lastWasSpace = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote) {
      out += ch;
      if (ch === "\\" && quote === '"' && i + 1 < command.length) out += command[++i];
      else if (ch === quote) quote = null;
      lastWasSpace = false;
    } else if (ch === " " || ch === "\t") {
      if (!lastWasSpace) out += " ";
      lastWasSpace = true;
    } else {
      if (ch === "\\" && i + 1 < command.length) {
        out += ch + command[++i];
      } else {
        out += ch;
        if (ch === "'" || ch === '"') quote = ch;
      }
      lastWasSpace = false;
    }
  }
  return out;
}

/** A JSON value with object keys sorted and strings normalised (see the module rules). */
export function canonicalValue(value: unknown): unknown {
  if (typeof value === "string") return normaliseString(value);
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = canonicalValue((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** The canonical key of one step's action. */
export function actionKey(step: Pick<Step, "calls" | "thought">, options: ActionKeyOptions = {}): string {
  const parts: unknown[] = [];
  if (step.calls.length === 0) {
    parts.push(["message", collapseWhitespace(step.thought)]);
  } else {
    for (const call of step.calls) {
      if (call.arguments === null) {
        parts.push([call.tool, null, normaliseString(call.argumentsRaw)]);
        continue;
      }
      const args = canonicalValue(call.arguments) as Record<string, unknown>;
      if (SHELL_TOOLS.has(call.tool) && typeof args.command === "string") {
        args.command = collapseShellSpaces(args.command);
      }
      parts.push([call.tool, args]);
    }
    if (options.keyThought) parts.push(["thought", collapseWhitespace(step.thought)]);
  }
  return JSON.stringify(parts);
}

function equalCanonical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "string" || typeof b === "string") {
    return typeof a === "string" && typeof b === "string" && normaliseString(a) === normaliseString(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalCanonical(a[i], b[i])) return false;
    return true;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!Object.hasOwn(b, key)) return false;
    if (!equalCanonical((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}

/**
 * `actionKey(a) === actionKey(b)`, decided without building either key: most pairs of steps
 * differ early, so this is cheap where keys would cost a canonical copy and a JSON string each.
 */
export function sameAction(
  a: Pick<Step, "calls" | "thought">,
  b: Pick<Step, "calls" | "thought">,
  options: ActionKeyOptions = {},
): boolean {
  if (a.calls.length !== b.calls.length) return false;
  if (a.calls.length === 0) return collapseWhitespace(a.thought) === collapseWhitespace(b.thought);
  for (let i = 0; i < a.calls.length; i++) {
    const x = a.calls[i] as Step["calls"][number];
    const y = b.calls[i] as Step["calls"][number];
    if (x.tool !== y.tool) return false;
    if (x.argumentsRaw === y.argumentsRaw) continue;
    if (x.arguments === null || y.arguments === null) {
      if (x.arguments !== y.arguments || normaliseString(x.argumentsRaw) !== normaliseString(y.argumentsRaw))
        return false;
      continue;
    }
    const shell = SHELL_TOOLS.has(x.tool);
    const cx = x.arguments.command;
    const cy = y.arguments.command;
    if (shell && typeof cx === "string" && typeof cy === "string") {
      if (collapseShellSpaces(normaliseString(cx)) !== collapseShellSpaces(normaliseString(cy))) return false;
      const { command: _x, ...restX } = x.arguments;
      const { command: _y, ...restY } = y.arguments;
      if (!equalCanonical(restX, restY)) return false;
    } else if (!equalCanonical(x.arguments, y.arguments)) {
      return false;
    }
  }
  return !options.keyThought || collapseWhitespace(a.thought) === collapseWhitespace(b.thought);
}

/** The tool names of a step in call order, "" for a message turn: a cheap pre-check for keys. */
export function toolSignature(step: Pick<Step, "calls">): string {
  return step.calls.map((c) => c.tool).join("\u0000");
}
