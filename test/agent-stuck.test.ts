import { describe, expect, it } from "vitest";
import { openHandsStuckLabels, paperStuck, type StepFacts } from "../src/agent/stuck.js";
import { stepsOfMessages } from "../src/schema/steps.js";
import type { Message } from "../src/schema/trajectory.js";

let n = 0;
function call(name: string, args: Record<string, unknown>): Message[] {
  const id = `c${++n}`;
  return [
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id, type: "function", function: { name, arguments: JSON.stringify(args) } }],
    },
    { role: "tool", tool_call_id: id, name, content: `out ${n}` },
  ];
}
const text = (t: string): Message[] => [
  { role: "assistant", content: t },
  { role: "user", content: "continue" },
];
const bashFacts = (exitCode: number): StepFacts => ({
  observations: [{ isError: exitCode !== 0, exitCode, tool: "execute_bash" }],
});
const okFacts: StepFacts = { observations: [{ isError: false, tool: "str_replace_editor" }] };

describe("stuck rules", () => {
  it("the paper's rule: the same action three times in a row, whitespace in commands aside", () => {
    const messages = [
      ...call("execute_bash", { command: "ls -la" }),
      ...call("execute_bash", { command: "ls  -la" }),
    ];
    expect(paperStuck(stepsOfMessages(messages), 3)).toBe(false);
    messages.push(...call("execute_bash", { command: "ls -la " }));
    expect(paperStuck(stepsOfMessages(messages), 3)).toBe(true);
    expect(paperStuck(stepsOfMessages(messages), 0)).toBe(false);
    messages.push(...call("execute_bash", { command: "pwd" }));
    expect(paperStuck(stepsOfMessages(messages), 3)).toBe(false);
  });

  it("OpenHands: repeated action and observation compares shell observations by command and exit code", () => {
    // outputs differ (out 1, out 2, ...) but command and exit code repeat: rule 1 holds
    const messages = Array.from({ length: 4 }, () => call("execute_bash", { command: "make" })).flat();
    const steps = stepsOfMessages(messages);
    expect(
      openHandsStuckLabels(
        steps,
        steps.map(() => bashFacts(0)),
      ),
    ).toEqual(["stuck:repeated_action_observation"]);
    // an exit code that changes breaks it
    expect(openHandsStuckLabels(steps, [bashFacts(0), bashFacts(1), bashFacts(0), bashFacts(0)])).toEqual([]);
    // three failing repeats: rule 2
    expect(
      openHandsStuckLabels(
        steps.slice(0, 3),
        steps.slice(0, 3).map(() => bashFacts(2)),
      ),
    ).toEqual(["stuck:repeated_action_error"]);
  });

  it("OpenHands: the same text reply three times (monologue) and an A,B,A,B,A,B pattern", () => {
    const mono = stepsOfMessages([
      ...text("I will fix it."),
      ...text("I will fix it."),
      ...text("I  will fix it."),
    ]);
    expect(
      openHandsStuckLabels(
        mono,
        mono.map(() => ({ observations: [{ isError: false, tool: null }] })),
      ),
    ).toContain("stuck:monologue");
    const a = () => call("str_replace_editor", { command: "view", path: "/workspace/a.py" });
    const b = () => call("str_replace_editor", { command: "view", path: "/workspace/b.py" });
    // tool observations must alternate too: use the same content per action
    const messages = [...a(), ...b(), ...a(), ...b(), ...a(), ...b()].map((m) =>
      m.role === "tool" ? { ...m, content: "same" } : m,
    );
    const steps = stepsOfMessages(messages);
    expect(
      openHandsStuckLabels(
        steps,
        steps.map(() => okFacts),
      ),
    ).toEqual(["stuck:action_observation_pattern"]);
    expect(
      openHandsStuckLabels(
        steps.slice(0, 5),
        steps.slice(0, 5).map(() => okFacts),
      ),
    ).toEqual([]);
  });
});
