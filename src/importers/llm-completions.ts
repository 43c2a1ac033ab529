import { basename, dirname } from "node:path";
import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { Message, Tool, ToolCall, Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { argumentsString, asObject, type ImportContext, type Importer } from "./types.js";

/**
 * OpenHands `llm_completions` logs: with `log_completions`, OpenHands' LLM wrapper writes one
 * JSON file per completion, `{messages, response, args, kwargs, timestamp, cost}` (and, when it
 * mocked function calling for a model without it, `fncall_messages` / `fncall_response`: the
 * same exchange in native tool-call form), into `llm_completions/<instance_id>/`
 * (openhands/llm/llm.py, evaluation/utils/shared.py). A completion's `messages` are the whole
 * prompt, so the last completion of an episode, with its response appended, is the episode as
 * the model saw it; `importFiles` keeps that one per folder when given a folder.
 */
export const llmCompletionsImporter: Importer = {
  format: "openhands-llm-completions",
  detect(value) {
    return isCompletionLog(value);
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    return [convertCompletion(record.value, context)];
  },
};

/** True for one `log_completions` record. */
export function isCompletionLog(value: unknown): boolean {
  const doc = asObject(value);
  return (
    doc !== null &&
    Array.isArray(doc.messages) &&
    Array.isArray(asObject(doc.response)?.choices) &&
    ("kwargs" in doc || "timestamp" in doc) &&
    !("info" in doc)
  );
}

/** The completion's time (seconds since the epoch), for ordering an episode's logs. */
export function completionTime(value: unknown): number {
  const t = asObject(value)?.timestamp;
  return typeof t === "number" ? t : Number.NEGATIVE_INFINITY;
}

function convertCompletion(value: unknown, context: ImportContext): Trajectory {
  const where = { file: context.file, line: context.line };
  const doc = asObject(value);
  if (!doc) throw new InputError("completion log is not an object", where);
  const notes: string[] = [];
  const native = Array.isArray(doc.fncall_messages) && asObject(doc.fncall_response) !== null;
  const messagesField = native ? "fncall_messages" : "messages";
  const responseField = native ? "fncall_response" : "response";
  if (native)
    notes.push(
      "OpenHands mocked function calling for this model: the native tool-call form (fncall_messages, fncall_response) imported",
    );
  const rawMessages = doc[messagesField];
  if (!Array.isArray(rawMessages))
    throw new InputError("messages is not a list", { ...where, field: messagesField });
  const messages = rawMessages.map((raw, i) => toMessage(raw, `${messagesField}[${i}]`, where));
  const response = asObject(doc[responseField]);
  const choice = asObject((response?.choices as unknown[] | undefined)?.[0]);
  const reply = asObject(choice?.message);
  if (!reply)
    throw new InputError("response has no choices[0].message", {
      ...where,
      field: `${responseField}.choices[0]`,
    });
  messages.push(toMessage({ ...reply, role: "assistant" }, `${responseField}.choices[0].message`, where));

  const kwargs = asObject(doc.kwargs) ?? {};
  const tools = (Array.isArray(kwargs.tools) ? kwargs.tools : []).filter(
    (t): t is Tool =>
      asObject(t)?.type === "function" && typeof asObject(asObject(t)?.function)?.name === "string",
  );
  if (tools.length === 0) notes.push("no tools in the request's kwargs: tool schemas unknown");
  // llm_completions/<instance_id>/<model>-<time>.json
  const folder = basename(dirname(context.file));
  const taskId =
    folder && folder !== "llm_completions" && folder !== "." ? folder : basename(context.file, ".json");
  notes.push(`task id ${taskId} from the log's folder name (OpenHands names it after the instance)`);
  notes.push("no patch or test verdict in completion logs: patch and outcome.resolved left unknown");
  const usage = asObject(response?.usage) ?? {};
  const model =
    (typeof response?.model === "string" && response.model) ||
    (typeof kwargs.model === "string" && kwargs.model) ||
    "unknown";
  const finish = typeof choice?.finish_reason === "string" ? choice.finish_reason : "";
  return buildTrajectory({
    id: contentId(taskId, "openhands-llm-completions", JSON.stringify(messages)),
    task_id: taskId,
    provenance: {
      scaffold: "openhands",
      model,
      sampling: {
        ...(typeof kwargs.temperature === "number" ? { temperature: kwargs.temperature } : {}),
        ...(typeof kwargs.top_p === "number" ? { top_p: kwargs.top_p } : {}),
      },
      source: { format: "openhands-llm-completions", file: context.file, line: context.line },
    },
    tools,
    messages,
    patch: null,
    outcome: {
      resolved: null,
      exit_reason: "unknown",
      ...(finish ? { exit_detail: `finish_reason ${finish}` } : {}),
    },
    usage: {
      // the last call's own usage and cost: earlier calls of the episode are in their own logs
      prompt_tokens: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : null,
      completion_tokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : null,
      cost_usd: typeof doc.cost === "number" ? doc.cost : null,
    },
    import_notes: notes,
    metadata: { action_format: "function_calling", last_completion_timestamp: doc.timestamp },
  });
}

/** One chat message of a litellm request/response, in sealign's OpenAI form. */
function toMessage(raw: unknown, field: string, where: { file: string; line: number }): Message {
  const m = asObject(raw);
  if (!m) throw new InputError("message is not an object", { ...where, field });
  const content = typeof m.content === "string" || Array.isArray(m.content) ? m.content : null;
  const text = Array.isArray(content)
    ? content.map((p) => (asObject(p)?.type === "text" ? String(asObject(p)?.text ?? "") : "")).join("")
    : content;
  switch (m.role) {
    case "system":
      return { role: "system", content: text ?? "" };
    case "user":
      return { role: "user", content: text ?? "" };
    case "assistant": {
      const calls: ToolCall[] = (Array.isArray(m.tool_calls) ? m.tool_calls : []).map((rawCall, j) => {
        const call = asObject(rawCall);
        const fn = asObject(call?.function);
        if (!call || !fn || typeof fn.name !== "string")
          throw new InputError("tool call without function.name", {
            ...where,
            field: `${field}.tool_calls[${j}]`,
          });
        return {
          id: typeof call.id === "string" ? call.id : `${field}_${j}`,
          type: "function",
          function: { name: fn.name, arguments: argumentsString(fn.arguments) },
        };
      });
      return {
        role: "assistant",
        content: text,
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
        ...(typeof m.reasoning_content === "string" ? { reasoning_content: m.reasoning_content } : {}),
      };
    }
    case "tool":
      if (typeof m.tool_call_id !== "string")
        throw new InputError("tool message without tool_call_id", {
          ...where,
          field: `${field}.tool_call_id`,
        });
      return {
        role: "tool",
        tool_call_id: m.tool_call_id,
        ...(typeof m.name === "string" ? { name: m.name } : {}),
        content: text ?? "",
      };
    default:
      throw new InputError(`unknown role ${JSON.stringify(m.role)}`, { ...where, field: `${field}.role` });
  }
}
