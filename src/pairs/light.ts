import { InputError } from "../errors.js";
import { TRAJECTORY_SCHEMA_VERSION, type Trajectory } from "../schema/trajectory.js";

/**
 * The fast path of `--fast`: a structural check of only what trees and pairs read, instead
 * of the full zod schema (which costs about a third of a corpus run). It checks the schema
 * version, `id`, `task_id`, `tools`, every message's role and the fields of its role
 * (assistant `tool_calls` with string `function.name` / `function.arguments`, tool
 * `tool_call_id`), `outcome.resolved` and `usage`, and fills the defaults the tree relies on.
 * It does not check the rest (provenance, reports, sampling, ...), nor that tool results answer
 * earlier calls. Use it on files sealign wrote or validated before; the default stays full
 * validation.
 */
function fail(field: string, message: string): never {
  throw new InputError(`invalid trajectory: ${message}`, { field });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function checkContent(content: unknown, field: string): void {
  if (content === null || content === undefined || typeof content === "string") return;
  if (!Array.isArray(content)) fail(field, "expected a string, a list of parts or null");
}

export function lightTrajectory(value: unknown): Trajectory {
  if (!isObject(value)) fail("", "expected an object");
  if (value.schema_version !== TRAJECTORY_SCHEMA_VERSION)
    fail("schema_version", `expected "${TRAJECTORY_SCHEMA_VERSION}"`);
  if (typeof value.id !== "string" || value.id.length === 0) fail("id", "expected a non-empty string");
  if (typeof value.task_id !== "string" || value.task_id.length === 0)
    fail("task_id", "expected a non-empty string");
  if (!Array.isArray(value.tools)) fail("tools", "expected a list");
  const messages = value.messages;
  if (!Array.isArray(messages)) fail("messages", "expected a list");
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as unknown;
    if (!isObject(m)) fail(`messages[${i}]`, "expected an object");
    const role = m.role;
    if (role === "assistant") {
      if (m.content === undefined) m.content = null;
      checkContent(m.content, `messages[${i}].content`);
      const calls = m.tool_calls;
      if (calls !== undefined) {
        if (!Array.isArray(calls)) fail(`messages[${i}].tool_calls`, "expected a list");
        for (let j = 0; j < calls.length; j++) {
          const call = calls[j] as unknown;
          const fn = isObject(call) ? call.function : undefined;
          if (!isObject(call) || typeof call.id !== "string" || !isObject(fn))
            fail(`messages[${i}].tool_calls[${j}]`, "expected {id, type, function}");
          if (typeof fn.name !== "string" || typeof fn.arguments !== "string")
            fail(`messages[${i}].tool_calls[${j}].function`, "expected string name and arguments");
        }
      }
    } else if (role === "tool") {
      if (typeof m.tool_call_id !== "string") fail(`messages[${i}].tool_call_id`, "expected a string");
      checkContent(m.content, `messages[${i}].content`);
    } else if (role === "system" || role === "user") {
      checkContent(m.content, `messages[${i}].content`);
    } else {
      fail(`messages[${i}].role`, "expected system, user, assistant or tool");
    }
  }
  const outcome = value.outcome;
  if (!isObject(outcome)) fail("outcome", "expected an object");
  if (outcome.resolved === undefined) outcome.resolved = null;
  if (outcome.resolved !== null && typeof outcome.resolved !== "boolean")
    fail("outcome.resolved", "expected true, false or null");
  const usage = value.usage;
  if (!isObject(usage)) fail("usage", "expected an object");
  if (usage.total_tokens === undefined) usage.total_tokens = null;
  if (usage.total_tokens !== null && typeof usage.total_tokens !== "number")
    fail("usage.total_tokens", "expected a number or null");
  return value as unknown as Trajectory;
}
