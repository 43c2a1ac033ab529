import { contentText } from "./content.js";
import type { Message, Trajectory } from "./trajectory.js";

/** One tool call of an action, with its arguments parsed when they are valid JSON. */
export interface ActionCall {
  id: string;
  tool: string;
  /** Parsed arguments, or null when `argumentsRaw` is not a JSON object. */
  arguments: Record<string, unknown> | null;
  /** Arguments exactly as the model produced them. */
  argumentsRaw: string;
}

/** What the environment answered to one call (or to a text-only turn). */
export interface Observation {
  toolCallId: string | null;
  content: string;
  messageIndex: number;
}

/**
 * A step: one assistant turn (the action: thought + tool calls) and what came back (the
 * observations: tool results, or the scaffold's user message after a text-only turn).
 */
export interface Step {
  index: number;
  /** Index of the assistant message in `trajectory.messages`. */
  messageIndex: number;
  thought: string;
  calls: ActionCall[];
  observations: Observation[];
}

function parseArguments(raw: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The step view of a message list: derived on demand, never stored. */
export function stepsOfMessages(messages: readonly Message[]): Step[] {
  const steps: Step[] = [];
  let current: Step | null = null;
  messages.forEach((message, messageIndex) => {
    if (message.role === "assistant") {
      const thought = [message.reasoning_content ?? "", contentText(message.content)]
        .filter((t) => t.length > 0)
        .join("\n");
      current = {
        index: steps.length,
        messageIndex,
        thought,
        calls: (message.tool_calls ?? []).map((call) => ({
          id: call.id,
          tool: call.function.name,
          arguments: parseArguments(call.function.arguments),
          argumentsRaw: call.function.arguments,
        })),
        observations: [],
      };
      steps.push(current);
    } else if (current !== null && (message.role === "tool" || message.role === "user")) {
      current.observations.push({
        toolCallId: message.role === "tool" ? message.tool_call_id : null,
        content: contentText(message.content),
        messageIndex,
      });
    }
  });
  return steps;
}

/** The step view of a trajectory. */
export function steps(trajectory: Pick<Trajectory, "messages">): Step[] {
  return stepsOfMessages(trajectory.messages);
}

/**
 * The assistant turns of a trajectory that its model generated: all of them, less the turns a
 * tree search replayed from another trajectory (`provenance.branch.turn`). The budget unit of
 * `collect --strategy tree` and of the method check's matched budgets (docs/search.md).
 */
export function modelTurns(trajectory: Pick<Trajectory, "messages" | "provenance">): number {
  let turns = 0;
  for (const message of trajectory.messages) if (message.role === "assistant") turns++;
  // (a record without provenance, as hand-made fixtures are, is no branch)
  return Math.max(0, turns - (trajectory.provenance?.branch?.turn ?? 0));
}
