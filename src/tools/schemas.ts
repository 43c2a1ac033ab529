import type { Tool } from "../schema/trajectory.js";

/**
 * The OpenHands CodeAct tools (METHOD.md section 2), as OpenAI function-calling schemas. Names,
 * parameters and enums follow OpenHands so that models trained on its trajectories feel at home
 * and trajectories stay comparable.
 */
export const EXECUTE_BASH_TOOL: Tool = {
  type: "function",
  function: {
    name: "execute_bash",
    description: [
      "Execute a bash command in the terminal within a persistent shell session.",
      "* One command at a time: chain with `&&` or `;` instead of sending several.",
      "* The shell keeps its state (working directory, environment) between commands.",
      "* Long-running commands: run them in the background (`cmd > log 2>&1 &`).",
      "* If a command prints nothing new for a while, you get its output so far: send an empty command to keep waiting, `C-c` (with is_input=true) to interrupt it, or text with is_input=true to answer a prompt.",
      "* Use the `timeout` parameter (seconds) for commands you expect to run long.",
      "* Very long output is truncated in the middle.",
    ].join("\n"),
    parameters: {
      type: "object",
      properties: {
        command: {
          type: "string",
          description:
            "The bash command to execute. Can be empty string to view additional output of the running process. Can be `C-c` (Ctrl+C) to interrupt it when is_input is true.",
        },
        is_input: {
          type: "string",
          enum: ["true", "false"],
          description:
            "If true, the command is input to the running process (e.g. an answer, or C-c). If false (default), a new bash command.",
        },
        timeout: {
          type: "number",
          description:
            "Optional. Seconds to wait for the command to finish before returning its output so far (it keeps running).",
        },
      },
      required: ["command"],
    },
  },
};

export const STR_REPLACE_EDITOR_TOOL: Tool = {
  type: "function",
  function: {
    name: "str_replace_editor",
    description: [
      "Custom editing tool for viewing, creating and editing files in plain-text format.",
      "* State is persistent across command calls and discussions with the user.",
      "* If `path` is a file, `view` displays the result of applying `cat -n`. If `path` is a directory, `view` lists non-hidden files and directories up to 2 levels deep.",
      "* The `create` command cannot be used if the specified `path` already exists as a file.",
      "* The `undo_edit` command reverts the last edit made to the file at `path`.",
      "Notes for using the `str_replace` command:",
      "* The `old_str` parameter should match EXACTLY one or more consecutive lines from the original file. Be mindful of whitespace!",
      "* If the `old_str` parameter is not unique in the file, the replacement will not be performed. Include enough context in `old_str` to make it unique.",
      "* The `new_str` parameter should contain the edited lines that should replace the `old_str`.",
    ].join("\n"),
    parameters: {
      type: "object",
      properties: {
        command: {
          type: "string",
          enum: ["view", "create", "str_replace", "insert", "undo_edit"],
          description:
            "The commands to run. Allowed options are: `view`, `create`, `str_replace`, `insert`, `undo_edit`.",
        },
        path: {
          type: "string",
          description: "Absolute path to file or directory, e.g. `/workspace/file.py` or `/workspace`.",
        },
        file_text: {
          type: "string",
          description: "Required parameter of `create` command, with the content of the file to be created.",
        },
        old_str: {
          type: "string",
          description:
            "Required parameter of `str_replace` command containing the string in `path` to replace.",
        },
        new_str: {
          type: "string",
          description:
            "Optional parameter of `str_replace` command containing the new string (if not given, no string will be added). Required parameter of `insert` command containing the string to insert.",
        },
        insert_line: {
          type: "integer",
          description:
            "Required parameter of `insert` command. The `new_str` will be inserted AFTER the line `insert_line` of `path`.",
        },
        view_range: {
          type: "array",
          items: { type: "integer" },
          description:
            "Optional parameter of `view` command when `path` points to a file. E.g. [11, 12] shows lines 11 and 12; [start, -1] shows all lines from start to the end.",
        },
      },
      required: ["command", "path"],
    },
  },
};

export const THINK_TOOL: Tool = {
  type: "function",
  function: {
    name: "think",
    description:
      "Use the tool to think about something. It will not obtain new information or make any changes to the repository, but just log the thought. Use it when complex reasoning or brainstorming is needed.",
    parameters: {
      type: "object",
      properties: { thought: { type: "string", description: "The thought to log." } },
      required: ["thought"],
    },
  },
};

export const FINISH_TOOL: Tool = {
  type: "function",
  function: {
    name: "finish",
    description:
      "Finish the interaction when the task is complete OR if the assistant cannot proceed further with the task.",
    parameters: {
      type: "object",
      properties: {
        message: { type: "string", description: "Final message to send to the user." },
      },
      required: ["message"],
    },
  },
};

/** The four CodeAct tools, in the order OpenHands offers them. */
export const CODEACT_TOOLS: Tool[] = [EXECUTE_BASH_TOOL, THINK_TOOL, FINISH_TOOL, STR_REPLACE_EDITOR_TOOL];
