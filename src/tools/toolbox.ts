import type { Environment } from "../runtime/types.js";
import type { Tool, ToolCall } from "../schema/trajectory.js";
import { BashTool, type BashToolLimits } from "./bash.js";
import { EditorTool } from "./editor.js";
import type { ToolObservation } from "./observation.js";
import { parseToolCall } from "./parse.js";
import { CODEACT_TOOLS } from "./schemas.js";

export interface ToolboxOptions {
  /** The environment the shell runs in and the editor edits (the caller owns and closes it). */
  env: Environment;
  bash?: Partial<BashToolLimits>;
  /** Tools offered (default: the four CodeAct tools). */
  tools?: Tool[];
}

/** The CodeAct tools of one episode, behind one `call`. */
export class Toolbox {
  readonly tools: Tool[];
  readonly bash: BashTool;
  readonly editor: EditorTool;

  constructor(options: ToolboxOptions) {
    this.tools = options.tools ?? CODEACT_TOOLS;
    this.bash = new BashTool(options.env, options.bash);
    this.editor = new EditorTool({ env: options.env, maxOutputChars: this.bash.limits.maxOutputChars });
  }

  /** Run one tool call; malformed calls come back as tool-error observations, never as throws. */
  async call(call: ToolCall, options: { deadline?: number } = {}): Promise<ToolObservation> {
    const parsed = parseToolCall(call, this.tools);
    if (!parsed.ok) return { content: `ERROR: ${parsed.error}`, isError: true, toolError: true };
    switch (parsed.name) {
      case "execute_bash":
        return this.bash.execute(parsed.args, options.deadline);
      case "str_replace_editor":
        return this.editor.execute(parsed.args);
      case "think":
        return { content: "Your thought has been logged.", isError: false, toolError: false };
      case "finish":
        return { content: String(parsed.args.message ?? ""), isError: false, toolError: false, finish: true };
      default:
        return {
          content: `ERROR: Tool "${parsed.name}" is offered but has no implementation.`,
          isError: true,
          toolError: true,
        };
    }
  }

  async close(): Promise<void> {
    await this.bash.close();
  }
}
