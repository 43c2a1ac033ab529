import { existsSync, realpathSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, posix, relative, sep } from "node:path";
import type { ToolObservation } from "./observation.js";
import { truncateMiddle } from "./truncate.js";

/** A failed editor command: its message is the observation (not a tool-invocation error). */
class EditorError extends Error {}

const SNIPPET_LINES = 4;

/**
 * str_replace_editor, as in OpenHands: view (numbered lines, view_range, directory listing),
 * create, str_replace (old_str must occur exactly once), insert, undo_edit. It edits the host
 * copy of the workspace directly (no sandbox round trip), and confines every path to it: paths
 * are absolute in the sandbox's view (`/workspace/...`), and symlinks that lead outside are
 * refused.
 */
export class EditorTool {
  /** The workspace on the host. */
  private readonly hostRoot: string;
  /** The workspace as the agent sees it (the sandbox mount point). */
  private readonly viewRoot: string;
  private readonly maxOutputChars: number;
  /** Earlier contents per file, for undo_edit. */
  private readonly history = new Map<string, string[]>();

  constructor(options: { hostRoot: string; viewRoot: string; maxOutputChars?: number }) {
    this.hostRoot = realpathSync(options.hostRoot);
    this.viewRoot = posix.normalize(options.viewRoot);
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
    const host = this.resolve(shown);
    switch (command) {
      case "view":
        return this.view(shown, host, args.view_range);
      case "create":
        return this.create(shown, host, args.file_text);
      case "str_replace":
        return this.strReplace(shown, host, args.old_str, args.new_str);
      case "insert":
        return this.insert(shown, host, args.insert_line, args.new_str);
      case "undo_edit":
        return this.undo(shown, host);
      default:
        throw new EditorError(`Unrecognized command ${command}.`);
    }
  }

  /** Map an agent path to the host, refusing relative paths and anything outside the workspace. */
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
    const host = join(this.hostRoot, normal.slice(this.viewRoot.length));
    // follow symlinks of the longest existing prefix: it must stay in the workspace
    let probe = host;
    while (!existsSync(probe) && probe !== this.hostRoot) probe = dirname(probe);
    const real = realpathSync(probe);
    if (real !== this.hostRoot && !real.startsWith(this.hostRoot + sep)) {
      throw new EditorError(`Invalid \`path\` parameter: ${shown}. It leads outside ${this.viewRoot}.`);
    }
    return host;
  }

  private async view(shown: string, host: string, range: unknown): Promise<string> {
    const info = await stat(host).catch(() => null);
    if (!info)
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. The path ${shown} does not exist. Please provide a valid path.`,
      );
    if (info.isDirectory()) {
      if (range !== undefined && range !== null) {
        throw new EditorError("The `view_range` parameter is not allowed when `path` points to a directory.");
      }
      const lines = await this.listTree(host, shown, 2);
      return `Here's the files and directories up to 2 levels deep in ${shown}, excluding hidden items:\n${[shown, ...lines].join("\n")}\n`;
    }
    const text = await readFile(host, "utf8");
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

  private async listTree(host: string, shown: string, depth: number): Promise<string[]> {
    if (depth === 0) return [];
    const out: string[] = [];
    const entries = (await readdir(host, { withFileTypes: true }))
      .filter((e) => !e.name.startsWith("."))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const child = posix.join(shown, entry.name);
      out.push(entry.isDirectory() ? `${child}/` : child);
      if (entry.isDirectory()) out.push(...(await this.listTree(join(host, entry.name), child, depth - 1)));
    }
    return out;
  }

  private async create(shown: string, host: string, fileText: unknown): Promise<string> {
    if (typeof fileText !== "string")
      throw new EditorError("Parameter `file_text` is required for command: create.");
    if (existsSync(host)) {
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. File already exists at: ${shown}. Cannot overwrite files using command \`create\`.`,
      );
    }
    await mkdir(dirname(host), { recursive: true });
    await writeFile(host, fileText);
    this.remember(host, null);
    return `File created successfully at: ${shown}`;
  }

  private async readText(shown: string, host: string): Promise<string> {
    const info = await stat(host).catch(() => null);
    if (!info)
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. The path ${shown} does not exist. Please provide a valid path.`,
      );
    if (info.isDirectory())
      throw new EditorError(
        `Invalid \`path\` parameter: ${shown}. The path ${shown} is a directory and only the \`view\` command can be used on directories.`,
      );
    return readFile(host, "utf8");
  }

  private async strReplace(shown: string, host: string, oldStr: unknown, newStr: unknown): Promise<string> {
    if (typeof oldStr !== "string")
      throw new EditorError("Parameter `old_str` is required for command: str_replace.");
    const replacement = typeof newStr === "string" ? newStr : "";
    const text = await this.readText(shown, host);
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
    this.remember(host, text);
    await writeFile(host, updated);
    const line = lines[0] as number;
    return this.edited(shown, updated, line, replacement.split("\n").length);
  }

  private async insert(shown: string, host: string, insertLine: unknown, newStr: unknown): Promise<string> {
    if (typeof insertLine !== "number")
      throw new EditorError("Parameter `insert_line` is required for command: insert.");
    if (typeof newStr !== "string")
      throw new EditorError("Parameter `new_str` is required for command: insert.");
    const text = await this.readText(shown, host);
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
    this.remember(host, text);
    await writeFile(host, updated);
    return this.edited(shown, updated, insertLine + 1, added.length);
  }

  private async undo(shown: string, host: string): Promise<string> {
    const stack = this.history.get(host);
    const previous = stack?.pop();
    if (previous === undefined) throw new EditorError(`No edit history found for ${shown}.`);
    await writeFile(host, previous);
    return `Last edit to ${shown} undone successfully. Here's the result of running \`cat -n\` on ${shown}:\n${numbered(previous.split("\n"), 1)}\n`;
  }

  private remember(host: string, previous: string | null): void {
    if (previous === null) return;
    const stack = this.history.get(host) ?? [];
    stack.push(previous);
    this.history.set(host, stack);
  }

  private edited(shown: string, updated: string, firstLine: number, count: number): string {
    const lines = updated.split("\n");
    const start = Math.max(1, firstLine - SNIPPET_LINES);
    const end = Math.min(lines.length, firstLine + count - 1 + SNIPPET_LINES);
    return `The file ${shown} has been edited. Here's the result of running \`cat -n\` on a snippet of ${shown}:\n${numbered(lines.slice(start - 1, end), start)}\nReview the changes and make sure they are as expected. Edit the file again if necessary.`;
  }

  /** The workspace-relative form of a host path (for messages). */
  relativePath(host: string): string {
    return relative(this.hostRoot, host);
  }
}

function numbered(lines: string[], first: number): string {
  return lines.map((line, i) => `${String(first + i).padStart(6)}\t${line}`).join("\n");
}
