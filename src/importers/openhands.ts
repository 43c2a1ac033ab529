import { basename } from "node:path";
import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { ExitReason, Message, Tool, ToolCall, Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { argumentsString, asObject, type ImportContext, type Importer } from "./types.js";

/**
 * OpenHands evaluation `output.jsonl`: one line per instance with an event `history`.
 *
 * The conversation is rebuilt as the LLM saw it: the `system` action's prompt and tools, the
 * user's task message, then for every model response (grouped by `tool_call_metadata
 * .model_response.id`) the assistant message exactly as returned (content and raw tool calls),
 * followed by one `tool` result per observation. Command observations get OpenHands' own
 * prefix/suffix (e.g. "[The command completed with exit code 0.]") as the model saw them.
 * Events with no LLM-facing counterpart (recall / workspace context, state changes) are counted
 * in `import_notes`.
 */
export const openhandsImporter: Importer = {
  format: "openhands",
  detect(value) {
    const row = asObject(value);
    if (!row || !Array.isArray(row.history) || typeof row.instance_id !== "string") return false;
    const first = asObject(row.history[0]);
    return first !== null && ("action" in first || "observation" in first);
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    return [convertOpenHandsRow(record.value, context)];
  },
};

interface Event {
  id?: number;
  timestamp?: string;
  source?: string;
  message?: string;
  action?: string;
  observation?: string;
  content?: string;
  cause?: number;
  args?: Record<string, unknown>;
  extras?: Record<string, unknown>;
  tool_call_metadata?: {
    function_name?: string;
    tool_call_id?: string;
    model_response?: {
      id?: string;
      choices?: { message?: Record<string, unknown> }[];
      usage?: Record<string, number>;
    };
  };
}

/** Arguments OpenHands adds to actions that the model never produced. */
const INTERNAL_ARGS = new Set([
  "thought",
  "blocking",
  "is_static",
  "cwd",
  "hidden",
  "confirmation_state",
  "security_risk_internal",
  "impl_source",
  "content",
  "start",
  "end",
  "wait_for_response",
  "outputs",
  "task_completed",
  "final_thought",
]);

function convertOpenHandsRow(value: unknown, context: ImportContext): Trajectory {
  const where = { file: context.file, line: context.line };
  const row = asObject(value);
  if (!row) throw new InputError("OpenHands record is not an object", where);
  const instanceId = row.instance_id;
  if (typeof instanceId !== "string" || !instanceId) {
    throw new InputError("missing instance_id", { ...where, field: "instance_id" });
  }
  if (!Array.isArray(row.history))
    throw new InputError("history is not a list", { ...where, field: "history" });
  const events = row.history as Event[];
  if (events.length === 0)
    throw new InputError("history is empty: no conversation to import", { ...where, field: "history" });
  const notes: string[] = [];
  const skipped = new Map<string, number>();
  const skip = (what: string) => skipped.set(what, (skipped.get(what) ?? 0) + 1);

  const messages: Message[] = [];
  let tools: Tool[] = [];
  let openhandsVersion: string | undefined;
  const seenResponses = new Set<string>();
  const answeredCalls = new Set<string>();
  const issuedCalls = new Set<string>();
  let reconstructed = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let sawUsage = false;
  let finished = false;
  let toolErrors = 0;

  events.forEach((event, index) => {
    const field = `history[${index}]`;
    if (asObject(event) === null) throw new InputError("event is not an object", { ...where, field });
    const meta = event.tool_call_metadata;
    if (event.action === "system") {
      const args = asObject(event.args) ?? {};
      messages.push({ role: "system", content: String(args.content ?? event.message ?? "") });
      if (Array.isArray(args.tools)) tools = args.tools as Tool[];
      if (typeof args.openhands_version === "string") openhandsVersion = args.openhands_version;
      return;
    }
    if (event.action !== undefined) {
      if (meta?.tool_call_id) {
        const response = meta.model_response;
        const responseId = response?.id ?? `${meta.tool_call_id}`;
        if (seenResponses.has(responseId)) return; // later calls of a multi-call response
        seenResponses.add(responseId);
        const modelMessage = response?.choices?.[0]?.message;
        if (modelMessage) {
          const calls = ((modelMessage.tool_calls as unknown[]) ?? []).map((raw) => {
            const call = asObject(raw) ?? {};
            const fn = asObject(call.function) ?? {};
            return {
              id: String(call.id ?? meta.tool_call_id),
              type: "function" as const,
              function: { name: String(fn.name ?? ""), arguments: argumentsString(fn.arguments) },
            };
          });
          for (const call of calls) issuedCalls.add(call.id);
          const content = typeof modelMessage.content === "string" ? modelMessage.content : null;
          const assistant: Message = { role: "assistant", content, tool_calls: calls };
          if (typeof modelMessage.reasoning_content === "string") {
            (assistant as { reasoning_content?: string }).reasoning_content = modelMessage.reasoning_content;
          }
          messages.push(assistant);
        } else {
          // Older output without the raw model response: rebuild the call from the action's args.
          reconstructed++;
          const args = Object.fromEntries(
            Object.entries(asObject(event.args) ?? {}).filter(
              ([key, v]) => !INTERNAL_ARGS.has(key) && v !== null,
            ),
          );
          const call: ToolCall = {
            id: meta.tool_call_id,
            type: "function",
            function: { name: meta.function_name ?? event.action, arguments: JSON.stringify(args) },
          };
          issuedCalls.add(call.id);
          const thought = asObject(event.args)?.thought;
          messages.push({
            role: "assistant",
            content: typeof thought === "string" && thought ? thought : null,
            tool_calls: [call],
          });
        }
        if (response?.usage) {
          sawUsage = true;
          promptTokens += Number(response.usage.prompt_tokens ?? 0);
          completionTokens += Number(response.usage.completion_tokens ?? 0);
        }
        if (event.action === "finish") finished = true;
        return;
      }
      if (event.action === "message") {
        const args = asObject(event.args) ?? {};
        const text = String(args.content ?? event.message ?? "");
        messages.push(
          event.source === "user" ? { role: "user", content: text } : { role: "assistant", content: text },
        );
        return;
      }
      if (event.action === "finish") finished = true;
      skip(`action "${event.action}" without a tool call`);
      return;
    }
    if (event.observation !== undefined) {
      const callId = meta?.tool_call_id;
      if (callId && issuedCalls.has(callId) && !answeredCalls.has(callId)) {
        answeredCalls.add(callId);
        messages.push({
          role: "tool",
          tool_call_id: callId,
          name: meta.function_name,
          content: observationText(event),
        });
        return;
      }
      if (event.observation === "error") {
        // A tool call OpenHands could not parse or run (the paper's "incorrect tool
        // invocation"): the failing response itself is not in the history, the error went
        // back to the model as a user message.
        toolErrors++;
        messages.push({ role: "user", content: observationText(event) });
        return;
      }
      skip(`observation "${event.observation}" not answering a tool call`);
      return;
    }
    skip("event with neither action nor observation");
  });

  for (const [what, count] of skipped)
    notes.push(`${count} x ${what}: not part of the LLM conversation, left out`);
  if (toolErrors > 0) {
    notes.push(
      `${toolErrors} error observation(s) of invalid tool calls kept as user messages (as OpenHands sent them) and counted in usage.tool_errors; the invalid calls themselves are not in the source`,
    );
  }
  if (reconstructed > 0) {
    notes.push(
      `${reconstructed} tool call(s) rebuilt from action args (no raw model_response in the source)`,
    );
  }
  if (!messages.some((m) => m.role === "user")) {
    const instruction = typeof row.instruction === "string" ? row.instruction : "";
    if (instruction)
      messages.splice(messages[0]?.role === "system" ? 1 : 0, 0, { role: "user", content: instruction });
  }

  const testResult = asObject(row.test_result) ?? {};
  const patch = typeof testResult.git_patch === "string" ? testResult.git_patch : null;
  const report = asObject(testResult.report);
  let resolved: boolean | null = null;
  if (typeof testResult.resolved === "boolean") resolved = testResult.resolved;
  else if (report && typeof report.resolved === "boolean") resolved = report.resolved;
  else
    notes.push(
      "no test verdict in the source (test_result has no resolved/report): outcome.resolved left unknown",
    );

  const error = typeof row.error === "string" ? row.error : null;
  const metrics = asObject(row.metrics) ?? {};
  const accumulated = asObject(metrics.accumulated_token_usage);
  if (!sawUsage && accumulated) {
    sawUsage = true;
    promptTokens = Number(accumulated.prompt_tokens ?? 0);
    completionTokens = Number(accumulated.completion_tokens ?? 0);
  }
  const metadata = asObject(row.metadata) ?? {};
  const llm = asObject(metadata.llm_config) ?? {};
  const times = events.map((e) => Date.parse(String(e.timestamp ?? ""))).filter((t) => Number.isFinite(t));
  const seconds = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : null;
  const runId = typeof metadata.eval_output_dir === "string" ? basename(metadata.eval_output_dir) : undefined;
  const cost = typeof metrics.accumulated_cost === "number" ? metrics.accumulated_cost : null;

  return buildTrajectory({
    id: contentId(instanceId, "openhands", runId ?? "", JSON.stringify(messages)),
    task_id: instanceId,
    provenance: {
      scaffold: "openhands",
      scaffold_version: openhandsVersion,
      model: typeof llm.model === "string" ? llm.model : "unknown",
      sampling: {
        ...(typeof llm.temperature === "number" ? { temperature: llm.temperature } : {}),
        ...(typeof llm.top_p === "number" ? { top_p: llm.top_p } : {}),
        ...(typeof llm.seed === "number" ? { seed: llm.seed } : {}),
      },
      run_id: runId,
      source: { format: "openhands", file: context.file, line: context.line },
    },
    tools,
    messages,
    patch,
    outcome: {
      resolved,
      exit_reason: openhandsExitReason(error, finished),
      ...(error ? { exit_detail: error } : finished ? { exit_detail: "AgentFinishAction" } : {}),
    },
    usage: {
      prompt_tokens: sawUsage ? promptTokens : null,
      completion_tokens: sawUsage ? completionTokens : null,
      total_tokens: sawUsage ? promptTokens + completionTokens : null,
      cost_usd: cost,
      seconds,
      tool_errors: toolErrors,
    },
    import_notes: notes,
    metadata: {
      agent_class: metadata.agent_class,
      max_iterations: metadata.max_iterations,
      ...(row.instance && asObject(row.instance) ? { instance: row.instance } : {}),
    },
  });
}

/** An observation's text as the LLM saw it: command output gets OpenHands' prefix and suffix. */
function observationText(event: Event): string {
  const content = typeof event.content === "string" ? event.content : String(event.message ?? "");
  const metadata = asObject(asObject(event.extras)?.metadata);
  if (event.observation === "run" && metadata) {
    return `${String(metadata.prefix ?? "")}${content}${String(metadata.suffix ?? "")}`;
  }
  return content;
}

function openhandsExitReason(error: string | null, finished: boolean): ExitReason {
  if (error) {
    if (/maximum iteration/i.test(error)) return "max_turns";
    if (/stuck/i.test(error)) return "stuck";
    if (/budget|cost/i.test(error)) return "cost_limit";
    if (/context ?window|context length|ContextWindowExceeded/i.test(error)) return "context";
    if (/runtime|sandbox|docker|container/i.test(error)) return "sandbox_error";
    if (/llm|api|rate ?limit|timeout/i.test(error)) return "model_error";
    return "unknown";
  }
  return finished ? "finished" : "unknown";
}
