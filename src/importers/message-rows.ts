import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { Message, Tool, ToolCall, Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { sweAgentExitReason } from "./swe-agent.js";
import { argumentsString, asObject, type ImportContext, type Importer } from "./types.js";

const MESSAGE_FIELDS = ["messages", "trajectory", "conversation"] as const;

/** A list stored as a list, or as a JSON string of a list (common in HF datasets). */
function listField(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value === "string" && value.trimStart().startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}

function messagesOf(row: Record<string, unknown>): { field: string; list: unknown[] } | null {
  for (const field of MESSAGE_FIELDS) {
    const list = listField(row[field]);
    if (list && list.length > 0 && list.every((m) => typeof asObject(m)?.role === "string"))
      return { field, list };
  }
  return null;
}

/**
 * Message-row datasets (SWE-Gym, Nebius SWE-rebench trajectories and the like, JSONL or
 * Parquet): one row per trajectory with OpenAI-style `messages` (or `trajectory`), `tools`,
 * `resolved`, and an instance id. Lists stored as JSON strings are decoded, object arguments
 * serialised, tool results without an id matched to the pending calls in order, and the legacy
 * `function` role read as `tool`.
 */
export const messageRowsImporter: Importer = {
  format: "message-rows",
  detect(value) {
    const row = asObject(value);
    return row !== null && !("schema_version" in row) && messagesOf(row) !== null;
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    return [convertRow(record.value, context, record.raw)];
  },
};

function convertRow(value: unknown, context: ImportContext, raw: string | undefined): Trajectory {
  const where = { file: context.file, line: context.line };
  const row = asObject(value);
  if (!row) throw new InputError("row is not an object", where);
  const found = messagesOf(row);
  if (!found)
    throw new InputError("no list of chat messages (messages / trajectory)", { ...where, field: "messages" });
  const taskId = [row.instance_id, row.task_id, context.key].find(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  if (!taskId) throw new InputError("missing instance_id", { ...where, field: "instance_id" });
  const notes: string[] = [];
  const messages: Message[] = [];
  const pending: string[] = [];
  let generatedIds = 0;

  found.list.forEach((raw, index) => {
    const field = `${found.field}[${index}]`;
    const m = asObject(raw)!;
    const content = contentOf(m.content);
    const role = m.role === "function" ? "tool" : m.role;
    if (role === "system" || role === "user") messages.push({ role, content: content ?? "" });
    else if (role === "assistant") {
      const rawCalls = listField(m.tool_calls) ?? [];
      const calls: ToolCall[] = rawCalls.map((rawCall, j) => {
        const call = asObject(rawCall);
        const fn = asObject(call?.function);
        if (!call || !fn || typeof fn.name !== "string") {
          throw new InputError("tool call without function.name", {
            ...where,
            field: `${field}.tool_calls[${j}]`,
          });
        }
        let id = typeof call.id === "string" && call.id ? call.id : "";
        if (!id) {
          generatedIds++;
          id = `call_${index}_${j}`;
        }
        return {
          id,
          type: "function",
          function: { name: fn.name, arguments: argumentsString(fn.arguments) },
        };
      });
      pending.length = 0;
      pending.push(...calls.map((c) => c.id));
      const assistant: Message = {
        role: "assistant",
        content,
        ...(calls.length ? { tool_calls: calls } : {}),
      };
      if (typeof m.reasoning_content === "string") {
        (assistant as { reasoning_content?: string }).reasoning_content = m.reasoning_content;
      }
      messages.push(assistant);
    } else if (role === "tool") {
      let id = typeof m.tool_call_id === "string" && m.tool_call_id ? m.tool_call_id : "";
      if (id) {
        const at = pending.indexOf(id);
        if (at !== -1) pending.splice(at, 1);
      } else {
        id = pending.shift() ?? "";
        if (!id)
          throw new InputError("tool result answers no pending tool call", {
            ...where,
            field: `${field}.tool_call_id`,
          });
        generatedIds++;
      }
      messages.push({
        role: "tool",
        tool_call_id: id,
        ...(typeof m.name === "string" ? { name: m.name } : {}),
        content: content ?? "",
      });
    } else {
      throw new InputError(`unknown role ${JSON.stringify(m.role)}`, { ...where, field: `${field}.role` });
    }
  });
  if (generatedIds > 0) notes.push(`${generatedIds} missing tool_call_id(s) filled by order`);

  let tools: Tool[] = [];
  const rawTools = listField(row.tools);
  if (rawTools) tools = rawTools.map((t) => normaliseTool(t));
  else notes.push("no tools in the row");

  const resolved =
    typeof row.resolved === "boolean"
      ? row.resolved
      : typeof row.resolved === "number"
        ? row.resolved === 1
        : null;
  if (resolved === null) notes.push("no resolved field: outcome.resolved left unknown");
  const patchValue = [row.model_patch, row.patch, row.git_patch].find((v) => typeof v === "string");
  const exitStatus = typeof row.exit_status === "string" ? row.exit_status : "";
  const model = [row.model, row.model_name, row.model_name_or_path].find(
    (v): v is string => typeof v === "string",
  );
  const runId =
    typeof row.run_id === "string" || typeof row.run_id === "number" ? String(row.run_id) : undefined;
  return buildTrajectory({
    id:
      typeof row.trajectory_id === "string"
        ? row.trajectory_id
        : contentId(taskId, "message-rows", runId ?? "", raw ?? JSON.stringify(messages)),
    task_id: taskId,
    provenance: {
      scaffold: typeof row.scaffold === "string" ? row.scaffold : "unknown",
      model: model ?? "unknown",
      ...(runId ? { run_id: runId } : {}),
      source: { format: "message-rows", file: context.file, line: context.line },
    },
    tools,
    messages,
    patch: typeof patchValue === "string" ? patchValue : null,
    outcome: {
      resolved,
      exit_reason: sweAgentExitReason(exitStatus),
      ...(exitStatus ? { exit_detail: exitStatus } : {}),
    },
    usage: {},
    import_notes: notes,
  });
}

function contentOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  const parts = listField(value);
  if (parts) return parts.map((p) => (typeof p === "string" ? p : String(asObject(p)?.text ?? ""))).join("");
  return JSON.stringify(value);
}

function normaliseTool(raw: unknown): Tool {
  const tool = asObject(typeof raw === "string" ? JSON.parse(raw) : raw) ?? {};
  if (asObject(tool.function)) return { ...tool, type: "function" } as Tool;
  // Bare function schemas ({name, description, parameters}) are wrapped.
  return { type: "function", function: tool as Tool["function"] };
}
