import { basename } from "node:path";
import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { ExitReason, Message, Tool, ToolCall, Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { argumentsString, asObject, type ImportContext, type Importer } from "./types.js";

/**
 * The shell-command tool that SWE-agent's text actions (and mini-swe-agent's) map to: those
 * scaffolds parse one command from the response text and run it in a shell.
 */
export const BASH_TOOL: Tool = {
  type: "function",
  function: {
    name: "bash",
    description: "Run one command in the agent's shell (commands parsed from the model's text response).",
    parameters: {
      type: "object",
      properties: { command: { type: "string", description: "The command to run." } },
      required: ["command"],
    },
  },
};

/** An assistant turn whose reply text carried one shell command, as a `bash` tool call. */
export function bashCallMessage(content: string, id: string, command: string): Message {
  return {
    role: "assistant",
    content,
    tool_calls: [
      { id, type: "function", function: { name: "bash", arguments: JSON.stringify({ command }) } },
    ],
  };
}

/**
 * SWE-agent `.traj`: `history` is the conversation the model saw (demonstrations included),
 * `trajectory` the steps, `info` the exit status, submission and model stats.
 *
 * Function-calling runs keep their `tool_calls` and tool results. Text-action runs (the
 * model writes a command in its reply, SWE-agent parses it) become one `bash` tool call per
 * turn with the parsed `action` as the command, the reply kept verbatim as content, and the next
 * observation message as the tool result.
 */
export const sweAgentImporter: Importer = {
  format: "swe-agent",
  detect(value) {
    const doc = asObject(value);
    return (
      doc !== null &&
      Array.isArray(doc.history) &&
      Array.isArray(doc.trajectory) &&
      asObject(doc.info) !== null
    );
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    return [convertSweAgent(record.value, context)];
  },
};

function convertSweAgent(value: unknown, context: ImportContext): Trajectory {
  const where = { file: context.file, line: context.line };
  const doc = asObject(value);
  if (!doc) throw new InputError("SWE-agent trajectory is not an object", where);
  if (!Array.isArray(doc.history))
    throw new InputError("history is not a list", { ...where, field: "history" });
  const info = asObject(doc.info) ?? {};
  const taskId =
    (typeof doc.instance_id === "string" && doc.instance_id) ||
    (typeof info.instance_id === "string" && info.instance_id) ||
    basename(context.file).replace(/\.traj(\.json)?$/, "");
  const notes: string[] = [];
  const messages: Message[] = [];
  let textActions = 0;
  let demos = 0;
  let pendingCall: string | null = null;
  const history = doc.history as unknown[];

  history.forEach((raw, index) => {
    const field = `history[${index}]`;
    const m = asObject(raw);
    if (!m) throw new InputError("message is not an object", { ...where, field });
    const role = m.role;
    const content =
      typeof m.content === "string" ? m.content : Array.isArray(m.content) ? textOfParts(m.content) : "";
    if (m.is_demo === true) demos++;
    if (role === "system") {
      messages.push({ role: "system", content });
    } else if (role === "assistant") {
      const thought = typeof m.thought === "string" ? m.thought : undefined;
      if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
        const calls: ToolCall[] = m.tool_calls.map((rawCall, j) => {
          const call = asObject(rawCall) ?? {};
          const fn = asObject(call.function) ?? {};
          return {
            id: String(call.id ?? `call_${index}_${j}`),
            type: "function",
            function: { name: String(fn.name ?? ""), arguments: argumentsString(fn.arguments) },
          };
        });
        messages.push({ role: "assistant", content, tool_calls: calls });
        pendingCall = null;
      } else if (typeof m.action === "string" && m.action.trim()) {
        textActions++;
        const id = `call_${index}`;
        messages.push(bashCallMessage(content, id, m.action.replace(/\n$/, "")));
        pendingCall = id;
      } else {
        messages.push({ role: "assistant", content: content || thought || "" });
        pendingCall = null;
      }
    } else if (role === "tool") {
      const ids = Array.isArray(m.tool_call_ids) ? m.tool_call_ids : m.tool_call_id ? [m.tool_call_id] : [];
      const id = String(ids[0] ?? pendingCall ?? "");
      if (!id)
        throw new InputError("tool message without tool_call_ids", {
          ...where,
          field: `${field}.tool_call_ids`,
        });
      messages.push({ role: "tool", tool_call_id: id, content });
      pendingCall = null;
    } else if (role === "user") {
      if (pendingCall) {
        // Text mode: the observation came back as a user message; it answers the parsed command.
        messages.push({ role: "tool", tool_call_id: pendingCall, name: "bash", content });
        pendingCall = null;
      } else {
        messages.push({ role: "user", content });
      }
    } else {
      throw new InputError(`unknown role ${JSON.stringify(role)}`, { ...where, field: `${field}.role` });
    }
  });

  if (textActions > 0) {
    notes.push(
      `${textActions} text action(s) mapped to \`bash\` tool calls (SWE-agent parsed them from the reply text; the reply is kept verbatim as content)`,
    );
    notes.push("observations that SWE-agent sent as user messages are stored as tool results of those calls");
  }
  if (demos > 0) notes.push(`${demos} demonstration message(s) kept in the prompt as the model saw them`);

  const exitStatus = typeof info.exit_status === "string" ? info.exit_status : "";
  const submission = typeof info.submission === "string" ? info.submission : null;
  const stats = asObject(info.model_stats) ?? {};
  const tokensSent = typeof stats.tokens_sent === "number" ? stats.tokens_sent : null;
  const tokensReceived = typeof stats.tokens_received === "number" ? stats.tokens_received : null;
  const resolved = typeof info.resolved === "boolean" ? info.resolved : null;
  if (resolved === null) notes.push("no test verdict in the source: outcome.resolved left unknown");
  const tools = textActions > 0 ? [BASH_TOOL] : Array.isArray(doc.tools) ? (doc.tools as Tool[]) : [];
  if (textActions === 0 && tools.length === 0) notes.push("tool schemas not stored in the .traj file");

  return buildTrajectory({
    id: contentId(taskId, "swe-agent", JSON.stringify(messages)),
    task_id: taskId,
    provenance: {
      scaffold: "swe-agent",
      ...(typeof info.swe_agent_version === "string" ? { scaffold_version: info.swe_agent_version } : {}),
      model: typeof info.model_name === "string" ? info.model_name : "unknown",
      source: { format: "swe-agent", file: context.file, line: context.line },
    },
    tools,
    messages,
    patch: submission === null ? null : submission.replace(/^\n/, ""),
    outcome: {
      resolved,
      exit_reason: sweAgentExitReason(exitStatus),
      ...(exitStatus ? { exit_detail: exitStatus } : {}),
    },
    usage: {
      prompt_tokens: tokensSent,
      completion_tokens: tokensReceived,
      total_tokens: tokensSent !== null && tokensReceived !== null ? tokensSent + tokensReceived : null,
      cost_usd: typeof stats.instance_cost === "number" ? stats.instance_cost : null,
    },
    import_notes: notes,
    metadata: {
      ...(typeof doc.environment === "string" ? { environment: doc.environment } : {}),
      ...(typeof stats.api_calls === "number" ? { api_calls: stats.api_calls } : {}),
      action_format: textActions > 0 ? "text" : "function_calling",
    },
  });
}

function textOfParts(parts: unknown[]): string {
  return parts.map((p) => String(asObject(p)?.text ?? "")).join("");
}

/** SWE-agent / mini-swe-agent exit statuses to sealign's exit reasons. */
export function sweAgentExitReason(status: string): ExitReason {
  const s = status.toLowerCase();
  if (!s) return "unknown";
  if (s.includes("cost") || s.includes("limitsexceeded") || s.includes("limits_exceeded"))
    return "cost_limit";
  if (s.includes("context")) return "context";
  if (s.includes("time")) return "time_limit";
  if (s.includes("format") || s.includes("api") || s.includes("model")) return "model_error";
  if (s.includes("environment") || s.includes("runtime")) return "sandbox_error";
  if (s.startsWith("submitted") || s === "submitted") return "finished";
  return "unknown";
}
