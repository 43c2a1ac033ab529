import { readFileSync, writeFileSync } from "node:fs";
import type { Pair } from "../src/schema/pair.js";
import { PAIR_SCHEMA_VERSION } from "../src/schema/pair.js";
import type { Message, Trajectory } from "../src/schema/trajectory.js";
import { CODEACT_TOOLS } from "../src/tools/schemas.js";
import { buildTrajectory } from "../src/trajectories/build.js";
import { sharedData } from "./helpers/paths.js";

/**
 * Test data for export and train: agent episodes on real HumanEvalFix tasks from
 * ../shared/data, with realistic CodeAct tool calls (view the file, run the tests,
 * str_replace, finish). Per task: two successful runs and two failed ones that share the first
 * two steps, so that tasks have a critical decision at step 3; hand-made critical and
 * trajectory-level pairs follow the pair schema.
 */
interface HefTask {
  instance_id: string;
  problem_statement: string;
  files: Record<string, string>;
  test_command: string;
}

export function hefTasks(count: number): HefTask[] {
  return readFileSync(sharedData("humanevalfix-python.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, count)
    .map((l) => JSON.parse(l) as HefTask);
}

const SYSTEM =
  "You are a software engineering agent. You work in /workspace with the tools given. " +
  "Fix the repository so that its tests pass, then call finish.";

function numbered(text: string): string {
  return text
    .split("\n")
    .map((line, i) => `${String(i + 1).padStart(6)}\t${line}`)
    .join("\n");
}

let callCounter = 0;
function call(name: string, args: Record<string, unknown>, thought = ""): Message {
  callCounter++;
  return {
    role: "assistant",
    content: thought,
    tool_calls: [
      { id: `call_${callCounter}`, type: "function", function: { name, arguments: JSON.stringify(args) } },
    ],
  } as Message;
}
function result(assistant: Message, content: string): Message {
  const id = (assistant as { tool_calls: { id: string }[] }).tool_calls[0]!.id;
  return { role: "tool", tool_call_id: id, content } as Message;
}

/** Short tool schemas, for training tests where sequence length is the cost (151k-token vocabulary). */
const fn = (name: string, properties: Record<string, unknown>) => ({
  type: "function" as const,
  function: { name, description: name.replace(/_/g, " "), parameters: { type: "object", properties } },
});
export const COMPACT_TOOLS = [
  fn("execute_bash", { command: { type: "string" } }),
  fn("str_replace_editor", { command: { type: "string" }, path: { type: "string" } }),
  fn("finish", { message: { type: "string" } }),
];

export type Variant = "fix" | "fix-verbose" | "give-up" | "loop";

/** One episode on a task; `longObservation` adds a test run that prints thousands of lines. */
export function episode(
  task: HefTask,
  variant: Variant,
  sample: number,
  longObservation = false,
  compact = false,
): Trajectory {
  const full = task.files["main.py"] ?? Object.values(task.files)[0] ?? "";
  const source = compact ? full.split("\n").slice(0, 6).join("\n") : full;
  const messages: Message[] = [
    { role: "system", content: SYSTEM } as Message,
    {
      role: "user",
      content: `<issue>\n${task.problem_statement}\n</issue>\nThe repository is in /workspace (main.py). Tests: \`${task.test_command}\`.`,
    } as Message,
  ];
  const push = (a: Message, obs: string) => messages.push(a, result(a, obs));
  push(
    call(
      "str_replace_editor",
      { command: "view", path: "/workspace/main.py" },
      "Let me look at the code first.",
    ),
    `Here's the result of running \`cat -n\` on /workspace/main.py:\n${numbered(source)}`,
  );
  const failing = longObservation
    ? Array.from(
        { length: 1500 },
        (_, i) => `test_case_${i} ... FAILED (expected ${i * 7}, got ${i * 7 - 1})`,
      ).join("\n")
    : `Traceback (most recent call last):\n  File "/workspace/main.py", line ${source.split("\n").length - 1}, in <module>\nAssertionError\n[exit code 1]`;
  push(call("execute_bash", { command: "cd /workspace && python3 main.py" }), failing);
  const lines = source.split("\n");
  const target = lines.find((l) => /return /.test(l)) ?? lines.find((l) => l.trim()) ?? "";
  let resolved = false;
  if (variant === "fix" || variant === "fix-verbose") {
    const edit = call(
      "str_replace_editor",
      { command: "str_replace", path: "/workspace/main.py", old_str: target, new_str: `${target}  # fixed` },
      variant === "fix-verbose" ? "The condition is wrong; I will correct the returned value." : "",
    );
    push(
      edit,
      `The file /workspace/main.py has been edited. Here's the result of running \`cat -n\` on a snippet:\n${numbered(`${target}  # fixed`)}`,
    );
    push(call("execute_bash", { command: "cd /workspace && python3 main.py" }), "[exit code 0]");
    const done = call("finish", { message: "Fixed the bug; the tests pass." });
    messages.push(done, result(done, "Episode finished."));
    resolved = true;
  } else if (variant === "give-up") {
    const done = call("finish", { message: "I could not find the bug." }, "I am not sure what is wrong.");
    messages.push(done, result(done, "Episode finished."));
  } else {
    for (let i = 0; i < 3; i++)
      push(
        call("str_replace_editor", { command: "view", path: "/workspace/main.py" }),
        `Here's the result of running \`cat -n\` on /workspace/main.py:\n${numbered(source)}`,
      );
  }
  return buildTrajectory({
    task_id: task.instance_id,
    provenance: {
      scaffold: "sealign-test",
      model: "test-fixture",
      sampling: { temperature: 0.7 },
      sample_index: sample,
    },
    tools: compact ? COMPACT_TOOLS : CODEACT_TOOLS,
    messages,
    patch: resolved ? `--- a/main.py\n+++ b/main.py\n@@\n-${target}\n+${target}  # fixed\n` : "",
    outcome: { resolved, exit_reason: variant === "loop" ? "max_turns" : "finished" },
  } as never);
}

/** Four episodes per task (two resolved, two failed) on the first `count` tasks. */
export function fixtureTrajectories(
  count: number,
  options: { longFirst?: boolean; compact?: boolean } = {},
): Trajectory[] {
  const variants: Variant[] = ["fix", "fix-verbose", "give-up", "loop"];
  return hefTasks(count).flatMap((task, t) =>
    variants.map((v, i) =>
      episode(task, v, i, options.longFirst === true && t === 0 && v === "fix", options.compact === true),
    ),
  );
}

/** Hand-made pairs in the pair schema: a critical pair per task (fix vs give up at step 3) and a trajectory-level one. */
export function fixturePairs(trajectories: Trajectory[]): Pair[] {
  const byTask = new Map<string, Trajectory[]>();
  for (const t of trajectories) byTask.set(t.task_id, [...(byTask.get(t.task_id) ?? []), t]);
  const pairs: Pair[] = [];
  for (const [taskId, runs] of byTask) {
    const good = runs.find((r) => r.outcome.resolved === true)!;
    const bad = runs.find((r) => r.outcome.resolved === false && r.provenance.sample_index === 2)!;
    const prefix = good.messages.slice(0, 6);
    const meta = {
      node_path: [],
      depth: 2,
      chosen_score: 1,
      rejected_score: 0,
      gap: 1,
      parent_visits: 4,
      chosen_visits: 2,
      rejected_visits: 1,
      chosen_trajectory_ids: [good.id],
      rejected_trajectory_ids: [bad.id],
      chosen_tools: ["str_replace_editor"],
      rejected_tools: ["finish"],
    };
    pairs.push({
      schema_version: PAIR_SCHEMA_VERSION,
      id: `${taskId}#c0`,
      task_id: taskId,
      kind: "critical",
      prompt: prefix,
      chosen: [good.messages[6]!],
      rejected: [bad.messages[6]!],
      tools: good.tools,
      meta,
      provenance: { source: "test fixture" },
    } as Pair);
    pairs.push({
      schema_version: PAIR_SCHEMA_VERSION,
      id: `${taskId}#t0`,
      task_id: taskId,
      kind: "trajectory",
      prompt: good.messages.slice(0, 2),
      chosen: good.messages.slice(2),
      rejected: bad.messages.slice(2),
      tools: good.tools,
      meta: { ...meta, depth: 0 },
      provenance: { source: "test fixture" },
    } as Pair);
  }
  return pairs;
}

export function writeJsonl(path: string, values: unknown[]): string {
  writeFileSync(path, values.map((v) => JSON.stringify(v)).join("\n") + "\n");
  return path;
}
