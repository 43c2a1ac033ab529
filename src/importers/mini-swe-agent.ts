import { basename } from "node:path";
import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { Message, ToolCall, Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { BASH_TOOL, bashCallMessage, sweAgentExitReason } from "./swe-agent.js";
import { argumentsString, asObject, type ImportContext, type Importer } from "./types.js";

/** Markers mini-swe-agent's prompts tell the model to print to submit. */
const SUBMIT_MARKERS = ["COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT"];

/** The one command block of a reply: ```bash ...``` or ```mswea_bash_command ...```. */
const COMMAND_BLOCK = /```(?:bash|sh|mswea_bash_command)\s*\n([\s\S]*?)\n```/g;

/**
 * mini-swe-agent `.traj.json`: either `{info, messages, trajectory_format, instance_id}` or,
 * from older versions, a bare list of `{role, content}` messages. It has one tool, bash: the
 * model writes exactly one command block per reply. Each reply with one block becomes a `bash`
 * tool call (reply kept verbatim as content) and the next user message its tool result.
 * Replies with no block or several were format errors to mini-swe-agent: they stay text-only,
 * and the scaffold's answer stays a user message.
 *
 * mini-swe-agent v2 (tool-calling): assistant messages carry native `tool_calls` (the bash tool,
 * possibly several per reply), `tool` messages answer them by `tool_call_id`, and a last
 * `role: "exit"` message holds `extra.exit_status` and `extra.submission` (the command that
 * submitted gets no tool result: the scaffold stopped instead).
 */
export const miniSweAgentImporter: Importer = {
  format: "mini-swe-agent",
  detect(value) {
    if (Array.isArray(value)) {
      return (
        value.length > 0 &&
        value.every((m) => typeof asObject(m)?.role === "string" && "content" in (asObject(m) ?? {})) &&
        value.some(
          (m) =>
            typeof asObject(m)?.content === "string" &&
            /```(bash|mswea_bash_command)/.test(String(asObject(m)?.content)),
        )
      );
    }
    const doc = asObject(value);
    return (
      doc !== null &&
      Array.isArray(doc.messages) &&
      (typeof doc.trajectory_format === "string"
        ? doc.trajectory_format.startsWith("mini-swe-agent")
        : asObject(doc.info) !== null && !("history" in doc))
    );
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    return [convertMini(record.value, context)];
  },
};

function convertMini(value: unknown, context: ImportContext): Trajectory {
  const where = { file: context.file, line: context.line };
  const doc = Array.isArray(value) ? { messages: value } : asObject(value);
  if (!doc || !Array.isArray(doc.messages))
    throw new InputError("no messages list", { ...where, field: "messages" });
  const info = asObject(doc.info) ?? {};
  const taskId =
    (typeof doc.instance_id === "string" && doc.instance_id) ||
    basename(context.file).replace(/\.traj(\.json)?$|\.json$/, "");
  const notes: string[] = [];
  const messages: Message[] = [];
  let pendingCall: string | null = null;
  let lastCommand = "";
  let formatErrors = 0;
  let submitted = false;
  let submissionFromOutput: string | null = null;
  /** v2: native tool calls seen, and which of them got a result. */
  const nativeCalls = new Map<string, string>();
  const answered = new Set<string>();
  let exitExtra: Record<string, unknown> | null = null;

  (doc.messages as unknown[]).forEach((raw, index) => {
    const m = asObject(raw);
    if (!m) throw new InputError("message is not an object", { ...where, field: `messages[${index}]` });
    const content =
      typeof m.content === "string"
        ? m.content
        : Array.isArray(m.content)
          ? m.content.map((p) => String(asObject(p)?.text ?? "")).join("")
          : "";
    if (m.role === "system") messages.push({ role: "system", content });
    else if (m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      const calls: ToolCall[] = m.tool_calls.map((rawCall, j) => {
        const call = asObject(rawCall);
        const fn = asObject(call?.function);
        if (!call || !fn || typeof fn.name !== "string")
          throw new InputError("tool call without function.name", {
            ...where,
            field: `messages[${index}].tool_calls[${j}].function.name`,
          });
        const id = typeof call.id === "string" && call.id ? call.id : `call_${index}_${j}`;
        nativeCalls.set(id, fn.name);
        return {
          id,
          type: "function",
          function: { name: fn.name, arguments: argumentsString(fn.arguments) },
        };
      });
      messages.push({ role: "assistant", content, tool_calls: calls });
      pendingCall = null;
    } else if (m.role === "tool" && typeof m.tool_call_id === "string" && nativeCalls.size > 0) {
      const id = m.tool_call_id;
      if (!nativeCalls.has(id))
        throw new InputError(`tool result for unknown call ${JSON.stringify(id)}`, {
          ...where,
          field: `messages[${index}].tool_call_id`,
        });
      answered.add(id);
      messages.push({ role: "tool", tool_call_id: id, name: nativeCalls.get(id), content });
    } else if (m.role === "exit") {
      exitExtra = asObject(m.extra) ?? {};
      if (typeof exitExtra.submission !== "string" && content)
        exitExtra = { ...exitExtra, submission: content };
    } else if (m.role === "assistant") {
      const blocks = [...content.matchAll(COMMAND_BLOCK)].map((match) => match[1] ?? "");
      if (blocks.length === 1) {
        const id = `call_${index}`;
        lastCommand = blocks[0]!;
        messages.push(bashCallMessage(content, id, lastCommand));
        pendingCall = id;
      } else {
        formatErrors++;
        messages.push({ role: "assistant", content });
        pendingCall = null;
      }
    } else if (m.role === "user" || m.role === "tool") {
      if (pendingCall) {
        messages.push({ role: "tool", tool_call_id: pendingCall, name: "bash", content });
        if (SUBMIT_MARKERS.some((marker) => lastCommand.includes(marker))) {
          submitted = true;
          submissionFromOutput = content;
        }
        pendingCall = null;
      } else messages.push({ role: "user", content });
    } else {
      throw new InputError(`unknown role ${JSON.stringify(m.role)}`, {
        ...where,
        field: `messages[${index}].role`,
      });
    }
  });

  const toolCalling = nativeCalls.size > 0;
  if (toolCalling) {
    const unanswered = [...nativeCalls.keys()].filter((id) => !answered.has(id)).length;
    if (unanswered > 0)
      notes.push(
        `${unanswered} tool call(s) without a result (the submitting command ends the run with the exit message instead)`,
      );
    const other = [...new Set(nativeCalls.values())].filter((name) => name !== "bash");
    notes.push(
      other.length > 0
        ? `tool schemas not stored in the file: bash assumed, schemas of ${other.join(", ")} unknown`
        : "tool schema not stored in the file: mini-swe-agent's bash tool (one string argument, command)",
    );
  } else {
    notes.push(
      "replies with one command block mapped to `bash` tool calls (reply kept verbatim as content); the next message is their tool result",
    );
  }
  if (formatErrors > 0)
    notes.push(
      toolCalling
        ? `${formatErrors} reply(ies) without a tool call kept as text-only turns`
        : `${formatErrors} reply(ies) without exactly one command block kept as text-only turns`,
    );
  const exit = exitExtra as Record<string, unknown> | null;
  const exitStatus =
    typeof info.exit_status === "string"
      ? info.exit_status
      : typeof exit?.exit_status === "string"
        ? exit.exit_status
        : submitted
          ? "Submitted"
          : "";
  // the exit message holds what the agent submitted; info.submission may have been rewritten
  // after the run (e.g. by a patch-repair step), so the exit message wins and a difference is said
  const exitSubmission = typeof exit?.submission === "string" ? exit.submission : null;
  const infoSubmission = typeof info.submission === "string" ? info.submission : null;
  const submission = exitSubmission ?? infoSubmission;
  const rewritten = exitSubmission !== null && infoSubmission !== null && exitSubmission !== infoSubmission;
  if (rewritten)
    notes.push(
      "info.submission differs from the exit message's submission: the agent's own (exit message) kept as the patch, info.submission in metadata.info_submission",
    );
  let patch: string | null = submission ?? submissionFromOutput;
  if (patch !== null && submission === null) {
    notes.push(
      "patch taken from the output of the final submit command (no info.submission in this older format)",
    );
    for (const marker of SUBMIT_MARKERS) patch = patch.replace(new RegExp(`^${marker}\\s*\\n?`), "");
  }
  if (!exitStatus) notes.push("no exit status in the source");
  notes.push("no test verdict in the source: outcome.resolved left unknown");
  const stats = asObject(info.model_stats) ?? {};
  const config = asObject(asObject(info.config)?.model) ?? {};
  const modelName = typeof config.model_name === "string" ? config.model_name : "unknown";
  return buildTrajectory({
    id: contentId(taskId, "mini-swe-agent", JSON.stringify(messages)),
    task_id: taskId,
    provenance: {
      scaffold: "mini-swe-agent",
      ...(typeof info.mini_version === "string" ? { scaffold_version: info.mini_version } : {}),
      model: modelName,
      source: { format: "mini-swe-agent", file: context.file, line: context.line },
    },
    tools: [BASH_TOOL],
    messages,
    patch,
    outcome: {
      resolved: null,
      exit_reason: sweAgentExitReason(exitStatus),
      ...(exitStatus ? { exit_detail: exitStatus } : {}),
    },
    usage: {
      cost_usd: typeof stats.instance_cost === "number" ? stats.instance_cost : null,
    },
    import_notes: notes,
    metadata: {
      action_format: toolCalling ? "function_calling" : "text",
      ...(rewritten ? { info_submission: infoSubmission } : {}),
      ...(typeof stats.api_calls === "number" ? { api_calls: stats.api_calls } : {}),
    },
  });
}
