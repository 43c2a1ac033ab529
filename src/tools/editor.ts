import { posix } from "node:path";
import type { Environment } from "../runtime/types.js";
import { type FileOpResult, fileOp } from "../runtime/workspace-ops.js";
import type { ToolObservation } from "./observation.js";
import { truncateMiddle } from "./truncate.js";

/** A failed editor command: its message is the observation (not a tool-invocation error). */
class EditorError extends Error {}

const SNIPPET_LINES = 4;

/**
 * str_replace_editor, as in OpenHands: view (numbered lines, view_range, directory listing),
 * create, str_replace (old_str must occur exactly once), insert, undo_edit. Every read and write
 * is one file operation *inside* the episode's environment (src/runtime/workspace-ops.ts), so a
 * symlink the model plants can at worst lead within the environment and no check-then-write
 * race reaches the host. Paths are absolute in the environment's view (`/workspace/...`); a
 * path that resolves outside the workspace is refused.
 */
export class EditorTool {
  private readonly env: Environment;
  /** The workspace as the agent sees it (the environment's workdir). */
  private readonly viewRoot: string;
  private readonly maxOutputChars: number;
  /** Earlier contents per file, for undo_edit. */
  private readonly history = new Map<string, string[]>();

  constructor(options: { env: Environment; maxOutputChars?: number }) {
    this.env = options.env;
    this.viewRoot = posix.normalize(options.env.workdir);
    this.maxOutputChars = options.maxOutputChars ?? 30_000;
  }

  async execute(args: Record<string, unknown>): Promise<ToolObservation> {
    try {
      const content = await this.dispatch(args);
      return { content: truncateMiddle(content, this.maxOutputChars), isError: false, toolError: false };
    } catch (error) {
      if (error instanceof EditorError)
        return { content: `ERROR:\n${error.message}`, isError: true, toolError: false };
      throw error;
    }
  }

  private async dispatch(args: Record<string, unknown>): Promise<string> {
    const command = String(args.command);
    const shown = String(args.path);
    const path = this.resolve(shown);
    switch (command) {
      case "view":
        return this.view(shown, path, args.view_range);
      case "create":
        return this.create(shown, path, args.file_text);
      case "str_replace":
        return this.strReplace(shown, path, args.old_str, args.new_str);
      case "insert":
        return this.insert(shown, path, args.insert_line, args.new_str);
      case "undo_edit":
        return this.undo(shown, path);
      default:
        throw new EditorError(`Unrecognized command ${command}.`);
    }
  }

  /**
   * Check an agent path: absolute and lexically under the workspace. Where its symlinks lead is
   * checked inside the environment by each file operation ("outside").
   */
  private resolve(shown: string): string {
    if (!shown.startsWith("/")) {
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. The path should be an absolute path, starting with \`/\`. Maybe you meant ${posix.join(this.viewRoot, shown)}?`,
      );
    }
    const normal = posix.normalize(shown);
    const inside = normal === this.viewRoot || normal.startsWith(`${this.viewRoot}/`);
    if (!inside)
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. Only files under ${this.viewRoot} can be accessed.`,
      );
    return normal;
  }

  /** One file operation inside the environment; the answers every command treats alike become errors. */
  private async op(
    shown: string,
    op: "read" | "create" | "write",
    path: string,
    content?: string,
  ): Promise<FileOpResult> {
    const result = await fileOp(this.env, op, path, { content });
    if (result.kind === "outside")
      throw new EditorError(`Invalid \`path\` parameter: ${shown}. It leads outside ${this.viewRoot}.`);
    if (result.kind === "missing")
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. The path ${shown} does not exist. Please provide a valid path.`,
      );
    if (result.kind === "error") throw new EditorError(`Cannot write ${shown}: ${result.message}`);
    return result;
  }

  private async view(shown: string, path: string, range: unknown): Promise<string> {
    const found = await this.op(shown, "read", path);
    if (found.kind === "directory") {
      if (range !== undefined && range !== null) {
        throw new EditorError("The `view_range` parameter is not allowed when `path` points to a directory.");
      }
      const lines = treeLines(shown, found.entries);
      return `Here's the files and directories up to 2 levels deep in ${shown}, excluding hidden items:\n${[shown, ...lines].join("\n")}\n`;
    }
    if (found.kind !== "file")
      throw new EditorError(`Invalid \`path\` parameter: ${shown} is not a regular file.`);
    const text = found.content;
    const lines = text.split("\n");
    if (text.endsWith("\n")) lines.pop();
    let start = 1;
    let end = lines.length;
    if (range !== undefined && range !== null) {
      if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isInteger)) {
        throw new EditorError("Invalid `view_range`. It should be a list of two integers.");
      }
      [start, end] = range as [number, number];
      if (start < 1 || start > Math.max(lines.length, 1)) {
        throw new EditorError(
          `Invalid \`view_range\`: [${start}, ${end}]. Its first element \`${start}\` should be within the range of lines of the file: [1, ${lines.length}]`,
        );
      }
      if (end === -1) end = lines.length;
      else if (end < start) {
        throw new EditorError(
          `Invalid \`view_range\`: [${start}, ${end}]. Its second element \`${end}\` should be larger or equal than its first \`${start}\``,
        );
      } else if (end > lines.length) {
        throw new EditorError(
          `Invalid \`view_range\`: [${start}, ${end}]. Its second element \`${end}\` should be smaller than the number of lines in the file: \`${lines.length}\``,
        );
      }
    }
    return `Here's the result of running \`cat -n\` on ${shown}:\n${numbered(lines.slice(start - 1, end), start)}\n`;
  }

  private async create(shown: string, path: string, fileText: unknown): Promise<string> {
    if (typeof fileText !== "string")
      throw new EditorError("Parameter `file_text` is required for command: create.");
    const made = await this.op(shown, "create", path, fileText);
    if (made.kind !== "file") {
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. File already exists at: ${shown}. Cannot overwrite files using command \`create\`.`,
      );
    }
    return `File created successfully at: ${shown}`;
  }

  private async readText(shown: string, path: string): Promise<string> {
    const found = await this.op(shown, "read", path);
    if (found.kind === "directory")
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. The path ${shown} is a directory and only the \`view\` command can be used on directories.`,
      );
    if (found.kind !== "file")
      throw new EditorError(`Invalid \`path\` parameter: ${shown} is not a regular file.`);
    return found.content;
  }

  /** Replace an existing file's content. */
  private async writeText(shown: string, path: string, content: string): Promise<void> {
    const written = await this.op(shown, "write", path, content);
    if (written.kind !== "file")
      throw new EditorError(`Invalid \`path\` parameter: ${shown} is not a regular file.`);
  }

  private async strReplace(shown: string, path: string, oldStr: unknown, newStr: unknown): Promise<string> {
    if (typeof oldStr !== "string")
      throw new EditorError("Parameter `old_str` is required for command: str_replace.");
    const replacement = typeof newStr === "string" ? newStr : "";
    const text = await this.readText(shown, path);
    if (oldStr === replacement) {
      throw new EditorError(
        `Invalid \`new_str\` parameter: ${replacement}. No replacement was performed. \`new_str\` and \`old_str\` must be different.`,
      );
    }
    const first = oldStr === "" ? -1 : text.indexOf(oldStr);
    if (first === -1)
      throw new EditorError(
        `No replacement was performed, old_str \`${oldStr}\` did not appear verbatim in ${shown}.`,
      );
    const lines: number[] = [];
    for (let at = first; at !== -1; at = text.indexOf(oldStr, at + 1))
      lines.push(text.slice(0, at).split("\n").length);
    if (lines.length > 1) {
      throw new EditorError(
        `No replacement was performed. Multiple occurrences of old_str \`${oldStr}\` in lines ${JSON.stringify(lines)}. Please ensure it is unique.`,
      );
    }
    const updated = text.slice(0, first) + replacement + text.slice(first + oldStr.length);
    await this.writeText(shown, path, updated);
    this.remember(path, text);
    const line = lines[0] as number;
    return this.edited(shown, updated, line, replacement.split("\n").length);
  }

  private async insert(shown: string, path: string, insertLine: unknown, newStr: unknown): Promise<string> {
    if (typeof insertLine !== "number")
      throw new EditorError("Parameter `insert_line` is required for command: insert.");
    if (typeof newStr !== "string")
      throw new EditorError("Parameter `new_str` is required for command: insert.");
    const text = await this.readText(shown, path);
    const lines = text.split("\n");
    const trailing = text.endsWith("\n");
    if (trailing) lines.pop();
    if (insertLine < 0 || insertLine > lines.length) {
      throw new EditorError(
        `Invalid \`insert_line\` parameter: ${insertLine}. It should be within the range of lines of the file: [0, ${lines.length}]`,
      );
    }
    const added = newStr.split("\n");
    const updatedLines = [...lines.slice(0, insertLine), ...added, ...lines.slice(insertLine)];
    const updated = updatedLines.join("\n") + (trailing || lines.length === 0 ? "\n" : "");
    await this.writeText(shown, path, updated);
    this.remember(path, text);
    return this.edited(shown, updated, insertLine + 1, added.length);
  }

  private async undo(shown: string, path: string): Promise<string> {
    const stack = this.history.get(path);
    const previous = stack?.at(-1);
    if (previous === undefined) throw new EditorError(`No edit history found for ${shown}.`);
    await this.writeText(shown, path, previous);
    stack?.pop();
    return `Last edit to ${shown} undone successfully. Here's the result of running \`cat -n\` on ${shown}:\n${numbered(previous.split("\n"), 1)}\n`;
  }

  private remember(path: string, previous: string): void {
    const stack = this.history.get(path) ?? [];
    stack.push(previous);
    this.history.set(path, stack);
  }

  private edited(shown: string, updated: string, firstLine: number, count: number): string {
    const lines = updated.split("\n");
    const start = Math.max(1, firstLine - SNIPPET_LINES);
    const end = Math.min(lines.length, firstLine + count - 1 + SNIPPET_LINES);
    return `The file ${shown} has been edited. Here's the result of running \`cat -n\` on a snippet of ${shown}:\n${numbered(lines.slice(start - 1, end), start)}\nReview the changes and make sure they are as expected. Edit the file again if necessary.`;
  }
}

/**
 * A directory listing in OpenHands' order: each folder's entries sorted by name, a folder's
 * contents right after it (`dir/` marks folders; symlinks to folders are not entered).
 */
function treeLines(shown: string, entries: { path: string; directory: boolean }[]): string[] {
  const children = new Map<string, { name: string; path: string; directory: boolean }[]>();
  for (const entry of entries) {
    const cut = entry.path.lastIndexOf("/");
    const parent = cut === -1 ? "" : entry.path.slice(0, cut);
    const list = children.get(parent) ?? [];
    list.push({ name: entry.path.slice(cut + 1), ...entry });
    children.set(parent, list);
  }
  const out: string[] = [];
  const walk = (parent: string) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of list) {
      const child = posix.join(shown, entry.path);
      out.push(entry.directory ? `${child}/` : child);
      if (entry.directory) walk(entry.path);
    }
  };
  walk("");
  return out;
}

function numbered(lines: string[], first: number): string {
  return lines.map((line, i) => `${String(first + i).padStart(6)}\t${line}`).join("\n");
}
