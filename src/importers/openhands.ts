import { createHash } from "node:crypto";
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
 *
 * Also read: older histories (the resolver's `output.jsonl` of 2024: flat events without
 * `args`/`extras`, or `[action, observation]` pairs, no `tool_call_metadata`), whose actions are
 * rebuilt as calls of the CodeAct tool that produces them (`run` -> `execute_bash`, `run_ipython`
 * -> `execute_ipython_cell`, browsing -> `browser` / `web_read`, ...), each answered by the
 * observation that follows; resolver rows (`git_patch`, `success`, `issue`, no `instance_id`);
 * and an event stream saved as a bare JSON list.
 */
export const openhandsImporter: Importer = {
  format: "openhands",
  detect(value) {
    if (Array.isArray(value)) return isEventList(value);
    const row = asObject(value);
    if (!row || !Array.isArray(row.history)) return false;
    if (typeof row.instance_id !== "string" && !("git_patch" in row) && !asObject(row.issue)) return false;
    return row.history.length > 0 && isEvent(flattenPair(row.history[0]));
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    const value = Array.isArray(record.value) ? { history: record.value } : record.value;
    return [convertOpenHandsRow(value, context)];
  },
};

/** An OpenHands event: an action or an observation, with an id/timestamp or args/extras. */
function isEvent(value: unknown): boolean {
  const e = asObject(value);
  return e !== null && (typeof e.action === "string" || typeof e.observation === "string") && !("role" in e);
}

/**
 * A bare JSON list of events (an event stream saved to a file): it starts with an event and
 * holds no rows (a list of `output.jsonl` rows is read row by row); a bad event further on is
 * reported by the converter with its index.
 */
function isEventList(value: unknown[]): boolean {
  return value.length > 0 && isEvent(value[0]) && value.every((e) => !Array.isArray(asObject(e)?.history));
}

/** Older histories: `[action, observation]` pairs; the first of a pair stands for its shape. */
function flattenPair(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The CodeAct tool (as OpenHands' function-calling agent names it) whose call produces an
 * action, for histories that do not store the model's raw tool calls.
 */
const CODEACT_TOOL_OF_ACTION: Record<string, (args: Record<string, unknown>) => string> = {
  run: () => "execute_bash",
  run_ipython: () => "execute_ipython_cell",
  browse: () => "web_read",
  browse_interactive: () => "browser",
  edit: (args) => ("command" in args ? "str_replace_editor" : "edit_file"),
  read: () => "str_replace_editor",
  write: () => "str_replace_editor",
  think: () => "think",
  finish: () => "finish",
  delegate: () => "delegate",
};

/** Keys of flat (older) events that are the event's envelope, not its args or extras. */
const ENVELOPE = new Set([
  "id",
  "timestamp",
  "source",
  "message",
  "action",
  "observation",
  "content",
  "cause",
  "tool_call_metadata",
  "timeout",
  "llm_metrics",
]);

/** An event in the current shape: flat older events get their args / extras gathered. */
function normalizeEvent(raw: unknown): Event | null {
  const e = asObject(raw);
  if (!e) return null;
  if (typeof e.action === "string" && !asObject(e.args)) {
    return { ...e, args: Object.fromEntries(Object.entries(e).filter(([k]) => !ENVELOPE.has(k))) } as Event;
  }
  if (typeof e.observation === "string" && !asObject(e.extras)) {
    return { ...e, extras: Object.fromEntries(Object.entries(e).filter(([k]) => !ENVELOPE.has(k))) } as Event;
  }
  return e as Event;
}

/** Arguments OpenHands' older action records hold that the model never wrote. */
const OLD_INTERNAL_ARGS = new Set([
  "keep_prompt",
  "is_confirmed",
  "security_risk",
  "kernel_init_code",
  "images_urls",
  "include_extra",
]);

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
  if (!Array.isArray(row.history))
    throw new InputError("history is not a list", { ...where, field: "history" });
  if (row.history.length === 0)
    throw new InputError("history is empty: no conversation to import", { ...where, field: "history" });
  const notes: string[] = [];
  const instanceId = taskIdOf(row, context, notes);
  if (row.instance_id !== undefined && (typeof row.instance_id !== "string" || !row.instance_id))
    throw new InputError("instance_id is not a non-empty string", { ...where, field: "instance_id" });
  const events: Event[] = [];
  (row.history as unknown[]).forEach((raw, index) => {
    const parts = Array.isArray(raw) ? raw : [raw];
    for (const part of parts) {
      const event = normalizeEvent(part);
      if (!event) throw new InputError("event is not an object", { ...where, field: `history[${index}]` });
      events.push(event);
    }
  });
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
  /** Calls rebuilt from older actions, waiting for their observation (oldest first). */
  const pendingRebuilt: { id: string; name: string; eventId?: number }[] = [];
  let rebuiltFromActions = 0;
  let userMessages = 0;

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
        // older histories have no `source`: the first message is the task, later ones the agent's
        const fromUser = event.source === "user" || (event.source === undefined && userMessages === 0);
        if (fromUser) userMessages++;
        messages.push(fromUser ? { role: "user", content: text } : { role: "assistant", content: text });
        return;
      }
      const toolOf = CODEACT_TOOL_OF_ACTION[event.action];
      if (toolOf) {
        const args = asObject(event.args) ?? {};
        const name = toolOf(args);
        const id = `call_${index}`;
        const callArgs = Object.fromEntries(
          Object.entries(args).filter(
            ([key, v]) =>
              (event.action === "think" && key === "thought") ||
              (!INTERNAL_ARGS.has(key) && !OLD_INTERNAL_ARGS.has(key) && v !== null),
          ),
        );
        const thought = event.action === "think" ? undefined : args.thought;
        messages.push({
          role: "assistant",
          content: typeof thought === "string" && thought ? thought : null,
          tool_calls: [{ id, type: "function", function: { name, arguments: JSON.stringify(callArgs) } }],
        });
        issuedCalls.add(id);
        rebuiltFromActions++;
        if (event.action === "finish") finished = true;
        else
          pendingRebuilt.push({ id, name, ...(typeof event.id === "number" ? { eventId: event.id } : {}) });
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
      if (!callId && pendingRebuilt.length > 0 && !NOT_ANSWERS.has(event.observation)) {
        // an older history: the observation answers the action that caused it, else the oldest open one
        const at = pendingRebuilt.findIndex((p) => p.eventId !== undefined && p.eventId === event.cause);
        const [call] = pendingRebuilt.splice(Math.max(at, 0), 1);
        answeredCalls.add(call!.id);
        messages.push({
          role: "tool",
          tool_call_id: call!.id,
          name: call!.name,
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
  if (rebuiltFromActions > 0) {
    notes.push(
      `${rebuiltFromActions} action(s) of an older history rebuilt as calls of the CodeAct tools that produce them (execute_bash, execute_ipython_cell, browser, ...); the thought is the call's text`,
    );
    notes.push("tool schemas not stored in this history: tools left empty");
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
  const patch =
    typeof testResult.git_patch === "string"
      ? testResult.git_patch
      : typeof row.git_patch === "string"
        ? row.git_patch
        : null;
  const report = asObject(testResult.report);
  let resolved: boolean | null = null;
  if (typeof testResult.resolved === "boolean") resolved = testResult.resolved;
  else if (report && typeof report.resolved === "boolean") resolved = report.resolved;
  else if (typeof row.success === "boolean") {
    resolved = row.success;
    notes.push("outcome.resolved from the resolver's `success` (its own check of the issue, not a test run)");
  } else
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

/** Observations that never answer an action (context the runtime adds on its own). */
const NOT_ANSWERS = new Set(["recall", "agent_state_changed", "null", "user_rejected"]);

/**
 * The row's task id: `instance_id`; else, for resolver rows, `owner__repo-number` of the issue
 * (SWE-bench's form); else the file name (a bare event list), with the file's line when it has
 * several rows; said in the notes when derived.
 */
function taskIdOf(row: Record<string, unknown>, context: ImportContext, notes: string[]): string {
  if (typeof row.instance_id === "string" && row.instance_id) return row.instance_id;
  const issue = asObject(row.issue);
  if (
    issue &&
    typeof issue.owner === "string" &&
    typeof issue.repo === "string" &&
    issue.number !== undefined
  ) {
    const id = `${issue.owner}__${issue.repo}-${String(issue.number)}`;
    notes.push(
      `task id ${id} derived from the resolver's issue (owner__repo-number): the row has no instance_id`,
    );
    return id;
  }
  const stem = basename(context.file).replace(/\.(jsonl|json)(\.(gz|zst))?$/, "");
  const instruction = typeof row.instruction === "string" ? row.instruction : "";
  const id = instruction
    ? `${stem}-${createHash("sha256").update(instruction).digest("hex").slice(0, 8)}`
    : context.line > 1
      ? `${stem}-${context.line}`
      : stem;
  notes.push(
    `task id ${id} derived from the file name${instruction ? " and instruction" : ""}: the record has no instance_id`,
  );
  return id;
}
