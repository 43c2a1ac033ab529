import { basename } from "node:path";
import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { Message, Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { BASH_TOOL, bashCallMessage, sweAgentExitReason } from "./swe-agent.js";
import { asObject, type ImportContext, type Importer } from "./types.js";

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
    else if (m.role === "assistant") {
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

  notes.push(
    "replies with one command block mapped to `bash` tool calls (reply kept verbatim as content); the next message is their tool result",
  );
  if (formatErrors > 0)
    notes.push(`${formatErrors} reply(ies) without exactly one command block kept as text-only turns`);
  const exitStatus = typeof info.exit_status === "string" ? info.exit_status : submitted ? "Submitted" : "";
  let patch: string | null = typeof info.submission === "string" ? info.submission : submissionFromOutput;
  if (patch !== null && typeof info.submission !== "string") {
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
      action_format: "text",
      ...(typeof stats.api_calls === "number" ? { api_calls: stats.api_calls } : {}),
    },
  });
}
