import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEpisode } from "../src/agent/episode.js";
import { createProvider } from "../src/providers/registry.js";
import type { Task } from "../src/schema/task.js";
import { loadTasks } from "../src/tasks/load.js";
import {
  callMessage,
  type Script,
  type ScriptedServer,
  startScriptedServer,
  toolCall,
} from "./doubles/scripted-openai-server.js";
import { sharedData } from "./helpers/paths.js";

let tasks: Task[];
const servers: ScriptedServer[] = [];

beforeAll(async () => {
  tasks = (await loadTasks(sharedData("humanevalfix-python.jsonl"))).slice(0, 3);
});
afterAll(async () => {
  for (const server of servers) await server.close();
});

async function providerFor(script: Script, options: { timeoutMs?: number; maxRetries?: number } = {}) {
  const server = await startScriptedServer(script);
  servers.push(server);
  const provider = await createProvider("openai:scripted-qwen", {
    baseUrl: server.baseUrl,
    apiKey: "k",
    ...options,
  });
  return { server, provider };
}

describe("episodes driven by a scripted OpenAI-compatible server (test double)", () => {
  it("fixes a HumanEvalFix bug and ends `finished` with the right patch", async () => {
    const task = tasks[2] as Task; // truncate_number: `return number % 1.0 + 1.0`
    const script: Script = (_body, n) => {
      const steps = [
        callMessage(toolCall("execute_bash", { command: "cd /workspace && python3 main.py; echo rc=$?" })),
        callMessage(
          toolCall("str_replace_editor", { command: "view", path: "/workspace/main.py", view_range: [1, 3] }),
        ),
        callMessage(
          toolCall("str_replace_editor", {
            command: "str_replace",
            path: "/workspace/main.py",
            old_str: "return number % 1.0 + 1.0",
            new_str: "return number % 1.0",
          }),
        ),
        callMessage(
          toolCall("think", { thought: "now the check passes" }),
          toolCall("execute_bash", { command: "python3 main.py && echo OK" }),
        ),
        callMessage(toolCall("finish", { message: "fixed" })),
      ];
      return { message: steps[n] };
    };
    const { server, provider } = await providerFor(script);
    const trajectory = await runEpisode(task, provider, {
      sampling: { temperature: 0.7 },
      seed: 11,
      runId: "r1",
    });
    expect(trajectory.outcome.exit_reason).toBe("finished");
    expect(trajectory.patch).toContain("-    return number % 1.0 + 1.0");
    expect(trajectory.patch).toContain("+    return number % 1.0\n");
    expect(trajectory.usage.turns).toBe(5);
    expect(trajectory.usage.tool_errors).toBe(0);
    expect(trajectory.usage.prompt_tokens).toBe(50);
    expect(trajectory.provenance).toMatchObject({
      scaffold: "sealign",
      model: "openai:scripted-qwen",
      run_id: "r1",
      sample_index: 0,
    });
    expect(trajectory.provenance.sampling).toMatchObject({ temperature: 0.7, seed: 11 });
    const tools = trajectory.messages.filter((m) => m.role === "tool").map((m) => m.content as string);
    expect(tools[0]).toContain("AssertionError");
    expect(tools[0]).toContain("rc=1");
    expect(tools[1]).toContain("     1\t");
    expect(tools[3]).toBe("Your thought has been logged.");
    expect(tools[4]).toContain("OK");
    expect(tools[4]).toContain("[The command completed with exit code 0.]");
    // the request carried the four CodeAct tools and the sampling
    expect(
      ((server.requests[0]?.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name),
    ).toEqual(["execute_bash", "think", "finish", "str_replace_editor"]);
    expect(server.requests[0]).toMatchObject({ temperature: 0.7, seed: 11, model: "scripted-qwen" });
  });

  it("ends `stuck` when the model repeats the same command three times", async () => {
    const { provider } = await providerFor(() => ({
      message: callMessage(toolCall("execute_bash", { command: "ls  /workspace" })),
    }));
    const trajectory = await runEpisode(tasks[0] as Task, provider);
    expect(trajectory.outcome.exit_reason).toBe("stuck");
    expect(trajectory.usage.turns).toBe(3);
    expect(trajectory.outcome.labels).toContain("stuck:paper_repeated_action");
    expect(trajectory.patch).toBe("");
  });

  it("records OpenHands stuck rules as labels when the paper rule is off", async () => {
    const { provider } = await providerFor(() => ({
      message: callMessage(toolCall("execute_bash", { command: "false" })),
    }));
    const trajectory = await runEpisode(tasks[0] as Task, provider, { stuckRepeat: 0, maxTurns: 5 });
    expect(trajectory.outcome.exit_reason).toBe("max_turns");
    expect(trajectory.outcome.labels).toEqual([
      "stuck:repeated_action_error",
      "stuck:repeated_action_observation",
    ]);
  });

  it("answers malformed tool calls with error observations and counts them", async () => {
    const bad = [
      callMessage(toolCall("execute_bash", "{not json")),
      callMessage(toolCall("run_python", { code: "1" })),
      callMessage(toolCall("str_replace_editor", { command: "view" })),
      callMessage(toolCall("str_replace_editor", { command: "delete", path: "/workspace/main.py" })),
      { role: "assistant", content: "I think I am done." },
      callMessage(toolCall("finish", { message: "bye" })),
    ];
    const { provider } = await providerFor((_b, n) => ({ message: bad[n] }));
    const trajectory = await runEpisode(tasks[0] as Task, provider);
    expect(trajectory.outcome.exit_reason).toBe("finished");
    expect(trajectory.usage.tool_errors).toBe(4);
    const tools = trajectory.messages.filter((m) => m.role === "tool").map((m) => m.content as string);
    expect(tools[0]).toMatch(/not valid JSON/);
    expect(tools[1]).toMatch(/Unknown tool "run_python"/);
    expect(tools[2]).toMatch(/Missing required argument "path"/);
    expect(tools[3]).toMatch(/"delete" is not one of/);
    // a text-only turn gets the continue-or-finish nudge as a user message
    const nudge = trajectory.messages.findLast((m) => m.role === "user");
    expect(nudge?.content).toMatch(/finish/);
    // raw arguments are kept exactly as the model produced them
    const first = trajectory.messages.find((m) => m.role === "assistant");
    expect(first && "tool_calls" in first ? first.tool_calls?.[0]?.function.arguments : null).toBe(
      "{not json",
    );
  });

  it("retries a 500 and a time-out, then goes on", async () => {
    const { server, provider } = await providerFor(
      (_b, n) => {
        if (n === 0) return { status: 500 };
        if (n === 1) return { delayMs: 1500, message: callMessage(toolCall("finish", { message: "late" })) };
        return { message: callMessage(toolCall("finish", { message: "done" })) };
      },
      { timeoutMs: 500, maxRetries: 3 },
    );
    const trajectory = await runEpisode(tasks[0] as Task, provider);
    expect(trajectory.outcome.exit_reason).toBe("finished");
    expect(server.requests.length).toBe(3);
    expect(trajectory.messages.findLast((m) => m.role === "tool")?.content).toBe("done");
  });

  it("ends as `model_error` when the server keeps failing or returns garbage", async () => {
    const failing = await providerFor(() => ({ status: 503 }), { maxRetries: 1 });
    const t1 = await runEpisode(tasks[0] as Task, failing.provider);
    expect(t1.outcome.exit_reason).toBe("model_error");
    expect(failing.server.requests.length).toBe(2);
    const garbage = await providerFor(() => ({ rawBody: '{"choices": "nope"}' }));
    const t2 = await runEpisode(tasks[0] as Task, garbage.provider);
    expect(t2.outcome.exit_reason).toBe("model_error");
    expect(t2.outcome.exit_detail).toMatch(/no choices/);
  });

  it("stops at max turns and at the context budget", async () => {
    let i = 0;
    const { provider } = await providerFor(() => ({
      message: callMessage(toolCall("execute_bash", { command: `echo ${i++}` })),
    }));
    const t1 = await runEpisode(tasks[0] as Task, provider, { maxTurns: 4 });
    expect(t1.outcome.exit_reason).toBe("max_turns");
    expect(t1.usage.turns).toBe(4);
    const t2 = await runEpisode(tasks[0] as Task, provider, { contextTokens: 200 });
    expect(t2.outcome.exit_reason).toBe("context");
    expect(t2.usage.turns).toBe(0);
  });
  it("takes token usage from the server, else counts it with a known tokenizer, else leaves it unknown", async () => {
    const finish = () => ({ message: callMessage(toolCall("finish", { message: "ok" })), usage: null });
    const qwen = await providerFor(finish);
    const t1 = await runEpisode(tasks[0] as Task, qwen.provider);
    expect(t1.usage.tokens_estimated).toBe(true);
    expect(t1.usage.prompt_tokens).toBeGreaterThan(100);
    const other = await startScriptedServer(finish);
    servers.push(other);
    const unknown = await createProvider("openai:some-model", { baseUrl: other.baseUrl });
    const t2 = await runEpisode(tasks[0] as Task, unknown);
    expect(t2.usage).toMatchObject({ prompt_tokens: null, total_tokens: null, tokens_estimated: false });
  });

  it("uses the server's prompt counts for the context budget when the tokenizer is unknown", async () => {
    let i = 0;
    const server = await startScriptedServer(() => ({
      message: callMessage(toolCall("execute_bash", { command: `echo ${i++}` })),
      usage: { prompt_tokens: 5000, completion_tokens: 10 },
    }));
    servers.push(server);
    const provider = await createProvider("openai:some-model", { baseUrl: server.baseUrl });
    const t = await runEpisode(tasks[0] as Task, provider, { contextTokens: 4000 });
    expect(t.outcome.exit_reason).toBe("context");
    expect(t.usage.turns).toBe(1);
  });
  it("fills in what some servers leave out of tool calls (id, type, string arguments) and records it", async () => {
    const replies = [
      {
        role: "assistant",
        content: null,
        tool_calls: [{ function: { name: "think", arguments: { thought: "hm" } } }],
      },
      callMessage(toolCall("finish", { message: "ok" })),
    ];
    const { provider } = await providerFor((_b, n) => ({ message: replies[n] }));
    const t = await runEpisode(tasks[0] as Task, provider);
    expect(t.outcome.exit_reason).toBe("finished");
    expect(t.usage.tool_errors).toBe(0);
    const first = t.messages.find((m) => m.role === "assistant");
    expect(first && "tool_calls" in first ? first.tool_calls?.[0] : null).toEqual({
      id: "call_0_0",
      type: "function",
      function: { name: "think", arguments: '{"thought":"hm"}' },
    });
    expect((t.metadata.requests as { repairs?: string[] }[])[0]?.repairs).toHaveLength(2);
  });
});
