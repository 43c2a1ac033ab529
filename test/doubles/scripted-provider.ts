import type { CompletionContext, CompletionRequest, ModelProvider } from "../../src/providers/types.js";
import type { AssistantMessage } from "../../src/schema/trajectory.js";

/**
 * TEST DOUBLE: an in-process model whose replies are scripted: turn n gets `replies[n]` (or a
 * function's answer). No HTTP, no latency: for sandbox tests and runtime-overhead benchmarks.
 */
export class ScriptedProvider implements ModelProvider {
  readonly name = "testdouble:scripted";
  readonly requests: { request: CompletionRequest; context: CompletionContext }[] = [];
  private readonly script: (request: CompletionRequest, context: CompletionContext) => AssistantMessage;

  constructor(
    script:
      | AssistantMessage[]
      | ((request: CompletionRequest, context: CompletionContext) => AssistantMessage),
  ) {
    this.script =
      typeof script === "function"
        ? script
        : (_r, context) =>
            script[context.turn] ?? { role: "assistant", content: null, tool_calls: [bashCall("true")] };
  }

  async complete(request: CompletionRequest, context: CompletionContext) {
    this.requests.push({ request, context });
    return { message: this.script(request, context) };
  }
}

let counter = 0;

/** A tool call of execute_bash. */
export function bashCall(command: string, extra: Record<string, unknown> = {}) {
  return {
    id: `call_${++counter}`,
    type: "function" as const,
    function: { name: "execute_bash", arguments: JSON.stringify({ command, ...extra }) },
  };
}

/** An assistant turn calling one tool. */
export function turn(name: string, args: Record<string, unknown>): AssistantMessage {
  return {
    role: "assistant",
    content: null,
    tool_calls: [
      { id: `call_${++counter}`, type: "function", function: { name, arguments: JSON.stringify(args) } },
    ],
  };
}

/** An assistant turn running one shell command. */
export function bash(command: string, extra: Record<string, unknown> = {}): AssistantMessage {
  return { role: "assistant", content: null, tool_calls: [bashCall(command, extra)] };
}
