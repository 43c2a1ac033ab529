import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { importFile, importFiles, newResult } from "../src/importers/index.js";
import { readJsonl } from "../src/io/jsonl.js";
import { steps } from "../src/schema/steps.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { parseTrajectory } from "../src/schema/validate.js";
import { loadTasks } from "../src/tasks/load.js";
import { CLI, sharedData, tempDir } from "./helpers/paths.js";

async function importAll(file: string, options = {}): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for await (const t of importFile(file, options)) out.push(parseTrajectory(JSON.parse(JSON.stringify(t))));
  return out;
}

function toolCalls(t: Trajectory) {
  return steps(t).flatMap((s) => s.calls);
}

describe("OpenHands output.jsonl", () => {
  it("rebuilds the conversation the model saw, with raw tool calls, observations and outcomes", async () => {
    const all = await importAll(sharedData("trajectories", "openhands-output.jsonl"));
    expect(all.map((t) => t.task_id)).toEqual([
      "ponylang__ponyc-4595",
      "ponylang__ponyc-4593",
      "ponylang__ponyc-4588",
    ]);
    const [first, second, third] = all as [Trajectory, Trajectory, Trajectory];
    expect(first.provenance.scaffold).toBe("openhands");
    expect(first.provenance.model).toBe("openai/openrouter-llama-4-maverick");
    expect(first.provenance.sampling.temperature).toBe(0);
    expect(first.tools.map((t) => t.function.name)).toContain("execute_bash");
    expect(first.messages[0]?.role).toBe("system");
    expect(first.messages[1]?.role).toBe("user");
    // 13 run + 6 read + 2 edit + 1 think + 1 finish actions, each one model response.
    const calls = toolCalls(first);
    expect(calls).toHaveLength(23);
    expect(calls[0]).toMatchObject({
      tool: "execute_bash",
      arguments: { command: "ls -l /workspace/ponylang__ponyc__0.1" },
    });
    expect(calls.at(-1)?.tool).toBe("finish");
    // The observation carries OpenHands' exit-code suffix as the model saw it.
    const firstObservation = steps(first)[0]?.observations[0]?.content ?? "";
    expect(firstObservation).toMatch(/^total 300\n/);
    expect(firstObservation).toContain("[The command completed with exit code 0.]");
    // Thought kept with the action.
    expect(steps(first)[0]?.thought).toContain("I'll start by exploring the repository");
    expect(first.patch).toContain("diff --git a/src/libponyc/ast/parser.c b/src/libponyc/ast/parser.c");
    expect(first.patch).toContain("+  SET_FLAG(AST_FLAG_IN_PARENS);");
    expect(first.outcome).toMatchObject({ resolved: null, exit_reason: "finished" });
    expect(first.usage).toMatchObject({
      turns: 23,
      prompt_tokens: 565158,
      completion_tokens: 2558,
      tokens_estimated: false,
    });
    expect(first.import_notes.join("\n")).toContain("no test verdict");
    // The invalid str_replace_editor call of the second run is counted as a tool error.
    expect(second.usage.tool_errors).toBe(1);
    expect(
      second.messages.some(
        (m) => m.role === "user" && String(m.content).startsWith("Parameter 'command' is expected"),
      ),
    ).toBe(true);
    // The third hit the iteration limit.
    expect(third.outcome.exit_reason).toBe("max_turns");
    expect(third.outcome.exit_detail).toContain("maximum iteration");
    expect(third.usage.turns).toBe(49);
  });

  it("reads older output without security_risk or raw model responses, rebuilding calls from action args", async () => {
    const line = readFileSync(sharedData("trajectories", "openhands-output.jsonl"), "utf8").split("\n")[0]!;
    const row = JSON.parse(line);
    for (const event of row.history) {
      if (event.tool_call_metadata) delete event.tool_call_metadata.model_response;
      if (event.args) delete event.args.security_risk;
    }
    for (const tool of row.history[0].args.tools) delete tool.function.parameters.properties?.security_risk;
    const dir = tempDir();
    const file = join(dir, "old-output.jsonl");
    writeFileSync(file, `${JSON.stringify(row)}\n`);
    const [t] = await importAll(file);
    const calls = toolCalls(t!);
    expect(calls).toHaveLength(23);
    expect(calls[0]).toMatchObject({
      tool: "execute_bash",
      arguments: { command: "ls -l /workspace/ponylang__ponyc__0.1", is_input: false },
    });
    const edit = calls.find((c) => c.tool === "str_replace_editor" && c.arguments?.command === "str_replace");
    expect(edit?.arguments).toMatchObject({
      path: "/workspace/ponylang__ponyc__0.1/src/libponyc/ast/parser.c",
    });
    expect(edit?.arguments).not.toHaveProperty("thought");
    expect(t!.import_notes.join("\n")).toContain("rebuilt from action args");
    expect(t!.usage.prompt_tokens).toBe(565158);
  });
});

describe("SWE-agent .traj", () => {
  it("maps text actions to bash tool calls, keeping thought, reply and observations", async () => {
    const [t] = await importAll(sharedData("trajectories", "swe-agent-test-repo-i1.traj"));
    expect(t!.task_id).toBe("swe-agent-test-repo-i1");
    expect(t!.provenance.scaffold).toBe("swe-agent");
    const s = steps(t!);
    expect(s.map((x) => x.calls[0]?.arguments?.command)).toEqual([
      'find_file "missing_colon.py"',
      "open tests/missing_colon.py",
      expect.stringMatching(/^edit 4:4\n/),
      expect.stringMatching(/^python/),
      "submit",
    ]);
    expect(s[0]!.thought).toContain("a colon is missing at the end of a function definition");
    expect(s[0]!.observations[0]!.content).toContain('Found 1 matches for "missing_colon.py"');
    expect(t!.patch).toMatch(/^diff --git a\/tests\/missing_colon.py/);
    expect(t!.outcome).toMatchObject({ exit_reason: "finished", exit_detail: "submitted", resolved: null });
    expect(t!.usage).toMatchObject({ prompt_tokens: 52861, completion_tokens: 326, cost_usd: 0.53839 });
    expect(t!.messages.filter((m) => m.role === "user")).toHaveLength(2); // demonstration + issue
    expect(t!.import_notes.join("\n")).toContain("text action(s) mapped to `bash`");
  });

  it("keeps function-calling tool_calls and tool results as they are", async () => {
    const doc = {
      environment: "swe_main",
      trajectory: [{ action: "ls", observation: "a.py", response: "", state: "{}", thought: "look" }],
      history: [
        { role: "system", content: "sys" },
        { role: "user", content: "issue" },
        {
          role: "assistant",
          content: "look",
          thought: "look",
          action: "ls",
          tool_calls: [
            { id: "call_A", type: "function", function: { name: "bash", arguments: { command: "ls" } } },
          ],
        },
        { role: "tool", content: "a.py", tool_call_ids: ["call_A"] },
        {
          role: "assistant",
          content: "done",
          tool_calls: [{ id: "call_B", type: "function", function: { name: "submit", arguments: "{}" } }],
        },
      ],
      info: {
        exit_status: "exit_cost",
        submission: "",
        model_stats: { tokens_sent: 10, tokens_received: 2 },
      },
    };
    const file = join(tempDir(), "fc-1.traj");
    writeFileSync(file, JSON.stringify(doc));
    const [t] = await importAll(file);
    expect(toolCalls(t!).map((c) => [c.id, c.tool, c.argumentsRaw])).toEqual([
      ["call_A", "bash", '{"command":"ls"}'],
      ["call_B", "submit", "{}"],
    ]);
    expect(steps(t!)[0]!.observations[0]).toMatchObject({ toolCallId: "call_A", content: "a.py" });
    expect(t!.patch).toBe("");
    expect(t!.outcome.exit_reason).toBe("cost_limit");
    expect(t!.metadata.action_format).toBe("function_calling");
  });
});

describe("mini-swe-agent .traj.json", () => {
  it("maps each command block to a bash call and takes the patch from the submit output", async () => {
    const [t] = await importAll(sharedData("trajectories", "mini-swe-agent-github_issue.traj.json"));
    expect(t!.provenance.scaffold).toBe("mini-swe-agent");
    const calls = toolCalls(t!);
    expect(calls).toHaveLength(10);
    expect(calls[0]!.arguments).toEqual({
      command: "cat /Users/fuchur/Documents/24/git_sync/swe-agent-test-repo/tests/./missing_colon.py",
    });
    expect(calls.at(-1)!.arguments!.command).toContain("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT");
    expect(steps(t!)[0]!.observations[0]!.content).toContain("<returncode>1</returncode>");
    expect(t!.patch).toMatch(/^diff --git a\/tests\/missing_colon.py/);
    expect(t!.patch).toContain('+        raise ValueError("Cannot divide by zero")');
    expect(t!.outcome.exit_reason).toBe("finished");
  });

  it("reads the newer {info, messages} format", async () => {
    const doc = {
      trajectory_format: "mini-swe-agent-1",
      instance_id: "repo__x-1",
      info: {
        exit_status: "LimitsExceeded",
        submission: "",
        model_stats: { instance_cost: 0.1, api_calls: 2 },
      },
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "task" },
        { role: "assistant", content: "THOUGHT: look\n\n```bash\nls -la\n```" },
        { role: "user", content: "<returncode>0</returncode>\n<output>\nx\n</output>" },
        { role: "assistant", content: "no command here" },
        { role: "user", content: "Please always provide EXACTLY ONE action" },
      ],
    };
    const file = join(tempDir(), "repo__x-1.traj.json");
    writeFileSync(file, JSON.stringify(doc));
    const [t] = await importAll(file);
    expect(t!.task_id).toBe("repo__x-1");
    expect(toolCalls(t!)).toHaveLength(1);
    expect(t!.messages.at(-1)).toMatchObject({ role: "user" });
    expect(t!.outcome.exit_reason).toBe("cost_limit");
    expect(t!.import_notes.join("\n")).toContain("kept as text-only turns");
  });
});

const rows = [
  {
    instance_id: "django__django-11099",
    run_id: "r1",
    resolved: true,
    model_patch: "diff --git a/x b/x\n",
    messages: [
      { role: "system", content: "sys" },
      { role: "user", content: [{ type: "text", text: "fix the bug" }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "c1",
            type: "function",
            function: { name: "execute_bash", arguments: { command: "pytest -q" } },
          },
        ],
      },
      { role: "tool", content: "1 failed" },
      {
        role: "assistant",
        content: "done",
        tool_calls: [{ type: "function", function: { name: "finish", arguments: "{}" } }],
      },
    ],
    tools: [
      { name: "execute_bash", parameters: { type: "object" } },
      { type: "function", function: { name: "finish" } },
    ],
  },
  {
    instance_id: "django__django-11099",
    resolved: false,
    messages: [
      { role: "user", content: "fix" },
      { role: "assistant", content: "no" },
    ],
  },
];

describe("message-row datasets", () => {
  it("imports JSONL rows, filling missing call ids by order and wrapping bare tool schemas", async () => {
    const file = join(tempDir(), "rows.jsonl");
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
    const [a, b] = await importAll(file);
    expect(a!.outcome.resolved).toBe(true);
    expect(b!.outcome.resolved).toBe(false);
    expect(a!.provenance.run_id).toBe("r1");
    expect(toolCalls(a!).map((c) => [c.tool, c.argumentsRaw])).toEqual([
      ["execute_bash", '{"command":"pytest -q"}'],
      ["finish", "{}"],
    ]);
    expect(steps(a!)[0]!.observations[0]).toMatchObject({ toolCallId: "c1", content: "1 failed" });
    expect(a!.messages[1]!.content).toBe("fix the bug");
    expect(a!.tools.map((t) => t.function.name)).toEqual(["execute_bash", "finish"]);
    expect(a!.patch).toBe("diff --git a/x b/x\n");
  });

  it("imports Parquet exports whose message and tool columns are JSON strings", async () => {
    const file = join(tempDir(), "rows.parquet");
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "instance_id", data: rows.map((r) => r.instance_id) },
        { name: "resolved", data: rows.map((r) => r.resolved) },
        { name: "messages", data: rows.map((r) => JSON.stringify(r.messages)) },
        { name: "tools", data: rows.map((r) => JSON.stringify(r.tools ?? [])) },
      ],
    });
    writeFileSync(file, Buffer.from(buffer));
    const all = await importAll(file);
    expect(all.map((t) => [t.task_id, t.outcome.resolved, t.messages.length])).toEqual([
      ["django__django-11099", true, 5],
      ["django__django-11099", false, 2],
    ]);
  });
});

describe("SWE-bench predictions", () => {
  it("imports JSONL, JSON lists and dicts keyed by id as patch-only trajectories", async () => {
    const dir = tempDir();
    const prediction = {
      instance_id: "sympy__sympy-20590",
      model_name_or_path: "m",
      model_patch: "diff --git a/a b/a\n",
    };
    writeFileSync(join(dir, "p.jsonl"), `${JSON.stringify(prediction)}\n`);
    writeFileSync(
      join(dir, "p.json"),
      JSON.stringify([prediction, { ...prediction, instance_id: "x__y-1", model_patch: "" }]),
    );
    writeFileSync(
      join(dir, "d.json"),
      JSON.stringify({ "sympy__sympy-20590": { model_name_or_path: "m", model_patch: "" } }),
    );
    const fromJsonl = await importAll(join(dir, "p.jsonl"));
    expect(fromJsonl[0]).toMatchObject({
      task_id: "sympy__sympy-20590",
      patch: "diff --git a/a b/a\n",
      messages: [],
    });
    expect(fromJsonl[0]!.metadata.patch_only).toBe(true);
    expect((await importAll(join(dir, "p.json"))).map((t) => t.task_id)).toEqual([
      "sympy__sympy-20590",
      "x__y-1",
    ]);
    expect((await importAll(join(dir, "d.json")))[0]).toMatchObject({
      task_id: "sympy__sympy-20590",
      patch: "",
    });
  });
});

describe("bad input", () => {
  it("names file and line of a truncated line, a wrong type, and an unknown format", async () => {
    const dir = tempDir();
    const good = readFileSync(sharedData("trajectories", "openhands-output.jsonl"), "utf8").split("\n")[0]!;
    const truncated = join(dir, "truncated.jsonl");
    writeFileSync(truncated, `${good}\n${good.slice(0, 5000)}`);
    await expect(importAll(truncated)).rejects.toThrow(`${truncated}:2: truncated last line`);

    const wrongType = join(dir, "wrong.jsonl");
    const bad = JSON.parse(good);
    bad.history = "not a list";
    writeFileSync(wrongType, `${good}\n${JSON.stringify(bad)}\n`);
    await expect(importAll(wrongType)).rejects.toThrow(
      `${wrongType}:2: field history: history is not a list`,
    );

    const unknown = join(dir, "unknown.jsonl");
    writeFileSync(unknown, '{"hello": "world"}\n');
    await expect(importAll(unknown)).rejects.toThrow(`${unknown}:1: unknown trajectory format`);
  });

  it("--skip-invalid goes on, counts and explains what it skipped", async () => {
    const dir = tempDir();
    const good = readFileSync(sharedData("trajectories", "openhands-output.jsonl"), "utf8")
      .split("\n")
      .slice(0, 2);
    const file = join(dir, "mixed.jsonl");
    writeFileSync(file, [good[0], "{oops", '{"instance_id": "x", "history": []}', good[1]].join("\n"));
    const result = newResult(file);
    const out: Trajectory[] = [];
    for await (const t of importFile(file, { skipInvalid: true }, result)) out.push(t);
    expect(out).toHaveLength(2);
    expect(result.skipped.count).toBe(2);
    expect(result.skipped.reasons.map((r) => r.line)).toEqual([2, 3]);
    expect(result.skipped.summary()).toContain("malformed JSON");
  });

  it("the CLI exits 2 with the location and writes no output file", () => {
    const dir = tempDir();
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, '{"instance_id": "a", "model_patch": 5}\n');
    const out = join(dir, "out.jsonl");
    const result = spawnSync(process.execPath, [CLI, "import", file, "-o", out], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${file}:1: field model_patch: model_patch is not a string`);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe("sealign import and stats on the real samples", () => {
  it("imports all samples into one valid file and prints the right per-task figures", async () => {
    const dir = tempDir();
    const out = join(dir, "all.jsonl");
    const files = [
      sharedData("trajectories", "openhands-output.jsonl"),
      sharedData("trajectories", "swe-agent-test-repo-i1.traj"),
      sharedData("trajectories", "mini-swe-agent-github_issue.traj.json"),
    ];
    const results = await importFiles(files, out, {});
    expect(results.map((r) => [r.format, r.trajectories])).toEqual([
      ["openhands", 3],
      ["swe-agent", 1],
      ["mini-swe-agent", 1],
    ]);
    let n = 0;
    for await (const { value, line } of readJsonl(out)) {
      parseTrajectory(value, { file: out, line });
      n++;
    }
    expect(n).toBe(5);

    const openhandsOnly = join(dir, "oh.jsonl");
    execFileSync(process.execPath, [CLI, "import", files[0]!, "-o", openhandsOnly], { stdio: "pipe" });
    const stats = JSON.parse(
      execFileSync(process.execPath, [CLI, "stats", openhandsOnly, "--json"], { encoding: "utf8" }),
    );
    expect(stats.corpus).toMatchObject({
      trajectories: 3,
      tasks: 3,
      withOutcome: 0,
      resolvedRate: null,
      emptyPatchRate: 0,
      toolErrors: 2,
    });
    expect(stats.corpus.tools).toEqual({ str_replace_editor: 52, execute_bash: 49, think: 2, finish: 2 });
    expect(stats.tasks["ponylang__ponyc-4595"]).toMatchObject({
      trajectories: 1,
      turns: { mean: 23, median: 23, max: 23 },
      tokens: { total: 565158 + 2558, estimatedTrajectories: 0 },
      tools: { execute_bash: 13, str_replace_editor: 8, think: 1, finish: 1 },
      exitReasons: { finished: 1 },
    });
    expect(stats.tasks["ponylang__ponyc-4588"].exitReasons).toEqual({ max_turns: 1 });
    const table = execFileSync(process.execPath, [CLI, "stats", out], { encoding: "utf8" });
    expect(table).toContain("ALL (5 tasks)");
    expect(table).toMatch(
      /mini-swe-agent-github_issue\s+1\s+n\/a of 0\s+0\.0%\s+10\.0 \/ 10\s+\d+ \(est\.\)/,
    );
    expect(table).toContain("estimated at 4 characters per token");
  });
});

describe("task loaders", () => {
  it("load SWE-bench JSON (F2P/P2P as JSON strings), HumanEvalFix JSONL and Parquet exports", async () => {
    const swe = await loadTasks(sharedData("swe-bench-lite-sample.json"));
    expect(swe).toHaveLength(5);
    for (const task of swe) {
      expect(Array.isArray(task.FAIL_TO_PASS)).toBe(true);
      expect(task.FAIL_TO_PASS.length).toBeGreaterThan(0);
    }
    const hef = await loadTasks(sharedData("humanevalfix-python.jsonl"));
    expect(hef).toHaveLength(164);
    expect(Object.keys(hef[0]!.files ?? {})).toEqual(["main.py"]);
    expect(hef[0]!.test_command).toBeTruthy();

    const file = join(tempDir(), "swebench.parquet");
    writeFileSync(
      file,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: "instance_id", data: swe.map((t) => t.instance_id) },
            { name: "repo", data: swe.map((t) => t.repo) },
            { name: "base_commit", data: swe.map((t) => t.base_commit) },
            { name: "problem_statement", data: swe.map((t) => t.problem_statement) },
            { name: "FAIL_TO_PASS", data: swe.map((t) => JSON.stringify(t.FAIL_TO_PASS)) },
            { name: "PASS_TO_PASS", data: swe.map((t) => JSON.stringify(t.PASS_TO_PASS)) },
          ],
        }),
      ),
    );
    const fromParquet = await loadTasks(file);
    expect(fromParquet.map((t) => [t.instance_id, t.FAIL_TO_PASS])).toEqual(
      swe.map((t) => [t.instance_id, t.FAIL_TO_PASS]),
    );
  });

  it("reports a task with a wrong field type and duplicate ids precisely", async () => {
    const dir = tempDir();
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      '{"instance_id":"a","problem_statement":"p"}\n{"instance_id":"b","problem_statement":"p","FAIL_TO_PASS":"not json"}\n',
    );
    await expect(loadTasks(bad)).rejects.toThrow(`${bad}:2: field FAIL_TO_PASS`);
    const dup = join(dir, "dup.jsonl");
    writeFileSync(
      dup,
      '{"instance_id":"a","problem_statement":"p"}\n{"instance_id":"a","problem_statement":"q"}\n',
    );
    await expect(loadTasks(dup)).rejects.toThrow(`${dup}:2: field instance_id: duplicate instance_id "a"`);
  });
});
