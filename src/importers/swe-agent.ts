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
    if (doc === null || !Array.isArray(doc.history)) return false;
    if (Array.isArray(doc.trajectory) && asObject(doc.info) !== null) return true;
    // a demonstration (`function_calling_simple.traj`): history only, SWE-agent's message fields
    return (
      doc.history.length > 0 &&
      doc.history.every((m) => typeof asObject(m)?.role === "string") &&
      doc.history.some((m) => typeof asObject(m)?.message_type === "string" || asObject(m)?.agent === "main")
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
  /** Calls of the last assistant turn that no tool message answered yet. */
  let openCalls: string[] = [];
  let agentTurns = 0;
  const history = doc.history as unknown[];

  history.forEach((raw, index) => {
    const field = `history[${index}]`;
    const m = asObject(raw);
    if (!m) throw new InputError("message is not an object", { ...where, field });
    const role = m.role;
    const content =
      typeof m.content === "string" ? m.content : Array.isArray(m.content) ? textOfParts(m.content) : "";
    if (m.is_demo === true) demos++;
    else if (role === "assistant") agentTurns++;
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
        openCalls = calls.map((c) => c.id);
      } else if (typeof m.action === "string" && m.action.trim()) {
        textActions++;
        const id = `call_${index}`;
        messages.push(bashCallMessage(content, id, m.action.replace(/\n$/, "")));
        pendingCall = id;
        openCalls = [id];
      } else {
        messages.push({ role: "assistant", content: content || thought || "" });
        pendingCall = null;
        openCalls = [];
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
      openCalls = openCalls.filter((open) => !ids.includes(open) && open !== id);
    } else if (role === "user") {
      if (pendingCall) {
        // Text mode: the observation came back as a user message; it answers the parsed command.
        messages.push({ role: "tool", tool_call_id: pendingCall, name: "bash", content });
        pendingCall = null;
        openCalls = [];
      } else {
        messages.push({ role: "user", content });
      }
    } else {
      throw new InputError(`unknown role ${JSON.stringify(role)}`, { ...where, field: `${field}.role` });
    }
  });

  // SWE-agent writes `history` before the last step's observation (and, in some versions,
  // before the last step): the `trajectory` has them
  const trajectory = Array.isArray(doc.trajectory) ? (doc.trajectory as unknown[]) : [];
  const fromTrajectory = finalSteps(trajectory, agentTurns, openCalls, messages, where);
  textActions += fromTrajectory.textActions;
  if (fromTrajectory.steps > 0)
    notes.push(
      `${fromTrajectory.steps} final step(s) (the submit) taken from \`trajectory\`: \`history\` ends before them`,
    );
  if (fromTrajectory.observation)
    notes.push("the final step's observation taken from `trajectory`: `history` ends before it");
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
  const replayTools = toolsFromReplayConfig(doc.replay_config);
  const tools =
    textActions > 0 ? [BASH_TOOL] : Array.isArray(doc.tools) ? (doc.tools as Tool[]) : replayTools.tools;
  if (textActions === 0 && tools.length === 0) {
    notes.push(
      replayTools.bundles.length > 0
        ? `tool schemas unknown: replay_config names the tool bundle(s) ${replayTools.bundles.join(", ")}, whose config.yaml (the schemas) is not stored in the .traj`
        : "tool schemas unknown: not stored in the .traj (no tools and no replay_config tool bundle)",
    );
  } else if (textActions === 0 && replayTools.tools.length > 0 && tools === replayTools.tools) {
    notes.push("tool schemas taken from replay_config's tool bundle");
  }

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

/**
 * Steps of `trajectory` past the end of `history`: the final observation when the last turn's
 * call is unanswered, and whole steps (reply, action, observation) when `history` stops earlier.
 */
function finalSteps(
  trajectory: unknown[],
  agentTurns: number,
  openCalls: string[],
  messages: Message[],
  where: { file: string; line: number },
): { steps: number; textActions: number; observation: boolean } {
  let observation = false;
  const last = asObject(trajectory[agentTurns - 1]);
  if (openCalls.length === 1 && last && typeof last.observation === "string") {
    messages.push({
      role: "tool",
      tool_call_id: openCalls[0]!,
      name: lastCallName(messages),
      content: last.observation,
    });
    observation = true;
  }
  let steps = 0;
  let textActions = 0;
  for (let i = agentTurns; i < trajectory.length; i++) {
    const step = asObject(trajectory[i]);
    if (!step) throw new InputError("step is not an object", { ...where, field: `trajectory[${i}]` });
    if (typeof step.action !== "string")
      throw new InputError("step without an action string", { ...where, field: `trajectory[${i}].action` });
    const reply = typeof step.response === "string" ? step.response : String(step.thought ?? "");
    const id = `call_trajectory_${i}`;
    messages.push(bashCallMessage(reply, id, step.action.replace(/\n$/, "")));
    textActions++;
    if (typeof step.observation === "string")
      messages.push({ role: "tool", tool_call_id: id, name: "bash", content: step.observation });
    steps++;
  }
  return { steps, textActions, observation };
}

function lastCallName(messages: Message[]): string | undefined {
  const last = messages.at(-1);
  return last?.role === "assistant" ? last.tool_calls?.[0]?.function.name : undefined;
}

/**
 * Tool schemas from a `replay_config` (SWE-agent stores the run's config as a JSON string): the
 * OpenAI-format `tools` of its tool config when present, and the bundle paths in any case (their
 * schemas live in each bundle's config.yaml, which the .traj does not hold).
 */
function toolsFromReplayConfig(raw: unknown): { tools: Tool[]; bundles: string[] } {
  let config: unknown = raw;
  if (typeof raw === "string") {
    try {
      config = JSON.parse(raw);
    } catch {
      return { tools: [], bundles: [] };
    }
  }
  const toolConfig = asObject(asObject(asObject(config)?.agent)?.tools);
  if (!toolConfig) return { tools: [], bundles: [] };
  const bundles = (Array.isArray(toolConfig.bundles) ? toolConfig.bundles : [])
    .map((b) => asObject(b)?.path)
    .filter((p): p is string => typeof p === "string");
  const tools = (Array.isArray(toolConfig.tools) ? toolConfig.tools : []).filter(
    (t): t is Tool =>
      asObject(t)?.type === "function" && typeof asObject(asObject(t)?.function)?.name === "string",
  );
  return { tools, bundles };
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
