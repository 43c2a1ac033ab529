import type { z } from "zod";
import { InputError } from "../errors.js";
import { type Pair, PairSchema } from "./pair.js";
import { type Task, TaskSchema } from "./task.js";
import { type Trajectory, TrajectorySchema } from "./trajectory.js";
import { firstIssue } from "./zod-errors.js";

export interface Where {
  file?: string;
  line?: number;
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string, where: Where): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = firstIssue(result.error);
  throw new InputError(`invalid ${what}: ${message}`, { ...where, field: field || undefined });
}

/** Validate a trajectory, throwing an InputError that names file, line and field. */
export function parseTrajectory(value: unknown, where: Where = {}): Trajectory {
  const trajectory = parseWith(TrajectorySchema, value, "trajectory", where);
  checkToolResults(trajectory, where);
  return trajectory;
}

/** Validate a task, throwing an InputError that names file, line and field. */
export function parseTask(value: unknown, where: Where = {}): Task {
  return parseWith(TaskSchema, value, "task", where);
}

/** Every tool result must answer a tool call made earlier in the conversation. */
function checkToolResults(trajectory: Trajectory, where: Where): void {
  const callIds = new Set<string>();
  trajectory.messages.forEach((message, i) => {
    if (message.role === "assistant") for (const call of message.tool_calls ?? []) callIds.add(call.id);
    else if (message.role === "tool" && !callIds.has(message.tool_call_id)) {
      throw new InputError(
        `invalid trajectory: tool result answers unknown tool_call_id "${message.tool_call_id}"`,
        {
          ...where,
          field: `messages[${i}].tool_call_id`,
        },
      );
    }
  });
}

/** Validate a preference pair, throwing an InputError that names file, line and field. */
export function parsePair(value: unknown, where: Where = {}): Pair {
  return parseWith(PairSchema, value, "pair", where);
}
