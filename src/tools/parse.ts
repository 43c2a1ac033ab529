import type { Tool, ToolCall } from "../schema/trajectory.js";

/** A tool call checked against the offered tools: either usable arguments or why not. */
export type ParsedCall =
  | { ok: true; name: string; args: Record<string, unknown> }
  | { ok: false; name: string; error: string };

/**
 * Check one tool call the model made: the tool must exist, `arguments` must be a JSON object,
 * required arguments present and of the declared JSON type, enum values allowed. A failure here
 * is an "incorrect tool invocation" (counted in `usage.tool_errors`), and its message goes back
 * to the model as the observation so it can correct itself.
 */
export function parseToolCall(call: ToolCall, tools: readonly Tool[]): ParsedCall {
  const name = call.function?.name ?? "";
  const tool = tools.find((t) => t.function.name === name);
  if (!tool) {
    const known = tools.map((t) => t.function.name).join(", ");
    return { ok: false, name, error: `Unknown tool "${name}". Available tools: ${known}.` };
  }
  const raw = call.function.arguments ?? "";
  let args: unknown;
  try {
    args = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch (error) {
    return {
      ok: false,
      name,
      error: `The arguments of ${name} are not valid JSON (${(error as Error).message}). Send a JSON object, e.g. {"command": "ls"}.`,
    };
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    return {
      ok: false,
      name,
      error: `The arguments of ${name} must be a JSON object, got ${JSON.stringify(args)}.`,
    };
  }
  const record = args as Record<string, unknown>;
  const schema = (tool.function.parameters ?? {}) as {
    properties?: Record<string, { type?: string; enum?: unknown[] }>;
    required?: string[];
  };
  for (const required of schema.required ?? []) {
    if (record[required] === undefined || record[required] === null) {
      return { ok: false, name, error: `Missing required argument "${required}" for tool ${name}.` };
    }
  }
  for (const [key, value] of Object.entries(record)) {
    const spec = schema.properties?.[key];
    if (!spec || value === undefined || value === null) continue;
    const problem = typeProblem(value, spec);
    if (problem) return { ok: false, name, error: `Invalid argument "${key}" for tool ${name}: ${problem}.` };
  }
  return { ok: true, name, args: record };
}

function typeProblem(value: unknown, spec: { type?: string; enum?: unknown[] }): string | null {
  if (spec.enum && !spec.enum.includes(value)) {
    return `${JSON.stringify(value)} is not one of ${spec.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  switch (spec.type) {
    case "string":
      return typeof value === "string" ? null : `expected a string, got ${JSON.stringify(value)}`;
    case "integer":
      return Number.isInteger(value) ? null : `expected an integer, got ${JSON.stringify(value)}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? null
        : `expected a number, got ${JSON.stringify(value)}`;
    case "array":
      return Array.isArray(value) ? null : `expected an array, got ${JSON.stringify(value)}`;
    default:
      return null;
  }
}
