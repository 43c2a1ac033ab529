import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { expandImportInputs } from "../src/importers/files.js";
import { importFile, importFiles, newResult } from "../src/importers/index.js";
import { readJsonl } from "../src/io/jsonl.js";
import { contentText } from "../src/schema/content.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { parseTrajectory } from "../src/schema/validate.js";
import { CLI, sharedData, tempDir } from "./helpers/paths.js";

/**
 * Every file in ../shared/data/trajectories imported, its step, call, observation and patch
 * counts checked against the source file, counted here independently by walking its JSON.
 */

// biome-ignore lint/suspicious/noExplicitAny: the source files are walked as loose JSON, as a reader would
type Json = Record<string, any>;
interface Counts {
  steps: number;
  calls: number;
  observations: number;
  patch: string | null;
}

const TRAJECTORIES = sharedData("trajectories");
const file = (name: string) => join(TRAJECTORIES, name);
const json = (name: string): Json => JSON.parse(readFileSync(file(name), "utf8"));
const jsonl = (name: string): Json[] =>
  readFileSync(file(name), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

async function importAll(
  path: string,
  options = {},
): Promise<{ trajectories: Trajectory[]; format: string | null }> {
  const trajectories: Trajectory[] = [];
  const result = newResult(path);
  for await (const t of importFile(path, options, result))
    trajectories.push(parseTrajectory(JSON.parse(JSON.stringify(t))));
  return { trajectories, format: result.format };
}

/** What an imported trajectory holds, counted from its messages. */
function countsOf(t: Trajectory): Counts {
  const assistant = t.messages.filter((m) => m.role === "assistant");
  return {
    steps: assistant.filter((m) => (m.tool_calls?.length ?? 0) > 0).length,
    calls: assistant.reduce((n, m) => n + (m.tool_calls?.length ?? 0), 0),
    observations: t.messages.filter((m) => m.role === "tool").length,
    patch: t.patch,
  };
}

/** Every tool result answers a call made before it. */
function resultsAnswerCalls(t: Trajectory): boolean {
  const issued = new Set<string>();
  for (const m of t.messages) {
    if (m.role === "assistant") for (const c of m.tool_calls ?? []) issued.add(c.id);
    if (m.role === "tool" && !issued.has(m.tool_call_id)) return false;
  }
  return true;
}

describe("each shared trajectory file, counted against its source", () => {
  it("mini-swe-agent v2 (tool calls, tool results, exit message)", async () => {
    const name = "mini-swe-agent-v2-astropy-12907.traj.json";
    const source = json(name);
    const messages: Json[] = source.messages;
    const expected: Counts = {
      steps: messages.filter((m) => m.role === "assistant" && m.tool_calls?.length).length,
      calls: messages.reduce((n, m) => n + (m.tool_calls?.length ?? 0), 0),
      observations: messages.filter((m) => m.role === "tool").length,
      patch: messages.find((m) => m.role === "exit")?.extra.submission,
    };
    expect(expected.calls).toBe(64);
    const { trajectories, format } = await importAll(file(name));
    expect(format).toBe("mini-swe-agent");
    const [t] = trajectories;
    expect(countsOf(t!)).toEqual(expected);
    expect(t!.outcome.exit_reason).toBe("finished");
    expect(t!.outcome.exit_detail).toBe("Submitted");
    expect(
      t!.messages.some((m) => m.role === "user" && contentText(m.content).includes("<returncode>")),
    ).toBe(false);
    expect(t!.task_id).toBe(source.instance_id);
    expect(t!.metadata.action_format).toBe("function_calling");
    expect(resultsAnswerCalls(t!)).toBe(true);
    // the model's text beside each call is kept
    expect(t!.messages[2]).toMatchObject({ role: "assistant", content: messages[2]!.content });
    expect(t!.import_notes.join("\n")).toMatch(/1 tool call\(s\) without a result/);
  });

  it("mini-swe-agent v1 (command blocks)", async () => {
    const name = "mini-swe-agent-github_issue.traj.json";
    const source = json(name);
    const messages: Json[] = Array.isArray(source) ? source : source.messages;
    const block = /```(?:bash|sh|mswea_bash_command)\s*\n[\s\S]*?\n```/g;
    const withOneBlock = messages.filter(
      (m) => m.role === "assistant" && (String(m.content).match(block) ?? []).length === 1,
    ).length;
    const { trajectories } = await importAll(file(name));
    const counts = countsOf(trajectories[0]!);
    expect(counts.steps).toBe(withOneBlock);
    expect(counts.calls).toBe(withOneBlock);
    // every call but none is answered by the scaffold's next message
    const answered = messages.filter((m, i) => {
      const next = messages[i + 1];
      return m.role === "assistant" && (String(m.content).match(block) ?? []).length === 1 && next;
    }).length;
    expect(counts.observations).toBe(answered);
    expect(counts.patch).not.toBeNull();
  });

  it("OpenHands output.jsonl (events with tool_call_metadata)", async () => {
    const name = "openhands-output.jsonl";
    const rows = jsonl(name);
    const { trajectories } = await importAll(file(name));
    expect(trajectories).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const actions = row.history.filter((e: Json) => e.action && e.tool_call_metadata?.tool_call_id);
      const callIds = new Set(actions.map((e: Json) => e.tool_call_metadata.tool_call_id));
      const answering = row.history.filter(
        (e: Json) => e.observation && callIds.has(e.tool_call_metadata?.tool_call_id),
      );
      const counts = countsOf(trajectories[i]!);
      expect(counts.calls).toBe(callIds.size);
      expect(counts.observations).toBe(
        new Set(answering.map((e: Json) => e.tool_call_metadata.tool_call_id)).size,
      );
      expect(counts.patch).toBe(row.test_result?.git_patch ?? null);
      expect(trajectories[i]!.task_id).toBe(row.instance_id);
    });
  });

  it("OpenHands resolver output (older CodeAct history, git_patch, success, no instance_id)", async () => {
    const name = "openhands-resolver-output-2024.jsonl";
    const rows = jsonl(name);
    const { trajectories, format } = await importAll(file(name));
    expect(format).toBe("openhands");
    expect(trajectories).toHaveLength(rows.length);
    rows.forEach((row, i) => {
      const t = trajectories[i]!;
      const actions = row.history.filter((e: Json) => e.action && e.action !== "message");
      const observations = row.history.filter((e: Json) => e.observation);
      expect(countsOf(t)).toEqual({
        steps: actions.length,
        calls: actions.length,
        observations: observations.length,
        patch: row.git_patch,
      });
      expect(t.outcome.resolved).toBe(row.success);
      expect(t.outcome.exit_reason).toBe("finished");
      expect(t.task_id).toBe(`${row.issue.owner}__${row.issue.repo}-${row.issue.number}`);
      const names = new Set(
        t.messages
          .flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []))
          .map((c) => c.function.name),
      );
      for (const kind of new Set(actions.map((e: Json) => e.action))) {
        const tool = { run: "execute_bash", run_ipython: "execute_ipython_cell", finish: "finish" }[
          kind as string
        ];
        expect(names.has(tool!)).toBe(true);
      }
      // the thought is the call's text, the command its argument
      const firstRun = row.history.find((e: Json) => e.action === "run");
      const call = t.messages.find(
        (m) => m.role === "assistant" && m.tool_calls?.[0]?.function.name === "execute_bash",
      );
      expect(call).toMatchObject({ content: firstRun.thought });
      expect(JSON.parse((call as Json).tool_calls[0].function.arguments)).toEqual({
        command: firstRun.command,
      });
      expect(resultsAnswerCalls(t)).toBe(true);
    });
    // the second row: 21 actions, not 0 tool calls
    expect(countsOf(trajectories[1]!).calls).toBeGreaterThan(20);
  });

  it("OpenHands event stream saved as a bare JSON list", async () => {
    const name = "openhands-events-basic.json";
    const events = json(name) as unknown as Json[];
    const { trajectories, format } = await importAll(file(name));
    expect(format).toBe("openhands");
    expect(trajectories).toHaveLength(1);
    const t = trajectories[0]!;
    const calls = new Set(
      events.filter((e) => e.action && e.tool_call_metadata).map((e) => e.tool_call_metadata.tool_call_id),
    );
    expect(countsOf(t).calls).toBe(calls.size);
    expect(countsOf(t).observations).toBe(events.filter((e) => e.observation).length);
    expect(t.task_id).toBe("openhands-events-basic");
    expect(t.messages.find((m) => m.role === "user")?.content).toBe(events[0]!.args.content);
  });

  it("SWE-agent function-calling demonstration (history only) is recognised without --from", async () => {
    const name = "swe-agent-function-calling-simple.traj";
    const history = json(name).history as Json[];
    const { trajectories, format } = await importAll(file(name));
    expect(format).toBe("swe-agent");
    expect(countsOf(trajectories[0]!)).toEqual({
      steps: history.filter((m) => m.role === "assistant" && m.tool_calls?.length).length,
      calls: history.reduce((n, m) => n + (m.tool_calls?.length ?? 0), 0),
      observations: history.filter((m) => m.role === "tool").length,
      patch: null,
    });
    expect(trajectories[0]!.import_notes.join("\n")).toMatch(/tool schemas unknown/);
  });

  it("SWE-agent text actions: the final submit step's observation kept from `trajectory`", async () => {
    const name = "swe-agent-test-repo-i1.traj";
    const source = json(name);
    const steps: Json[] = source.trajectory;
    const { trajectories } = await importAll(file(name));
    const t = trajectories[0]!;
    expect(countsOf(t)).toEqual({
      steps: steps.length,
      calls: steps.length,
      observations: steps.filter((s) => typeof s.observation === "string").length,
      patch: source.info.submission.replace(/^\n/, ""),
    });
    const last = t.messages.at(-1)!;
    expect(last).toMatchObject({ role: "tool", content: steps.at(-1)!.observation });
    expect(t.import_notes.join("\n")).toMatch(/final step's observation taken from `trajectory`/);
  });

  it("SWE-agent: steps missing from the end of history are taken from `trajectory`", async () => {
    const source = json("swe-agent-test-repo-i1.traj");
    // history cut before the last reply, as some SWE-agent versions write it
    const lastAssistant = source.history.map((m: Json) => m.role).lastIndexOf("assistant");
    source.history = source.history.slice(0, lastAssistant);
    const dir = tempDir();
    writeFileSync(join(dir, "cut.traj"), JSON.stringify(source));
    const { trajectories } = await importAll(join(dir, "cut.traj"));
    expect(countsOf(trajectories[0]!).calls).toBe(source.trajectory.length);
    expect(trajectories[0]!.import_notes.join("\n")).toMatch(
      /1 final step\(s\) \(the submit\) taken from `trajectory`/,
    );
  });

  it("SWE-agent: tool bundles named by replay_config are said in the notes when the schemas are unknown", async () => {
    const source = json("swe-agent-function-calling-simple.traj");
    source.replay_config = JSON.stringify({
      agent: { tools: { bundles: [{ path: "tools/registry" }, { path: "tools/edit_anthropic" }] } },
    });
    const dir = tempDir();
    writeFileSync(join(dir, "r.traj"), JSON.stringify(source));
    const { trajectories } = await importAll(join(dir, "r.traj"));
    expect(trajectories[0]!.import_notes.join("\n")).toMatch(/tools\/registry, tools\/edit_anthropic/);
  });
});

/** An OpenHands `log_completions` record as openhands/llm/llm.py writes it. */
function completionLog(turns: number, time: number): Json {
  const messages: Json[] = [
    { role: "system", content: "You are OpenHands agent." },
    { role: "user", content: [{ type: "text", text: "Fix the bug." }] },
  ];
  for (let i = 0; i < turns; i++) {
    messages.push({
      role: "assistant",
      content: `step ${i}`,
      tool_calls: [
        {
          id: `c${i}`,
          type: "function",
          function: { name: "execute_bash", arguments: `{"command":"ls ${i}"}` },
        },
      ],
    });
    messages.push({
      role: "tool",
      tool_call_id: `c${i}`,
      name: "execute_bash",
      content: [{ type: "text", text: `out ${i}` }],
    });
  }
  return {
    messages,
    response: {
      id: `r${turns}`,
      model: "gpt-4o",
      choices: [
        {
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: "done?",
            tool_calls: [
              { id: `c${turns}`, type: "function", function: { name: "finish", arguments: "{}" } },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 100 + turns, completion_tokens: 10 },
    },
    args: [],
    kwargs: {
      temperature: 0,
      tools: [{ type: "function", function: { name: "execute_bash", parameters: { type: "object" } } }],
    },
    timestamp: time,
    cost: 0.01,
  };
}

describe("OpenHands llm_completions logs", () => {
  it("a folder of an episode's logs imports the last completion, with its response, as the trajectory", async () => {
    const root = tempDir();
    const episode = join(root, "llm_completions", "django__django-11099");
    mkdirSync(episode, { recursive: true });
    for (let turns = 0; turns < 3; turns++)
      writeFileSync(
        join(episode, `gpt-4o-${1700000000 + turns}.5.json`),
        JSON.stringify(completionLog(turns, 1700000000 + turns)),
      );
    const { files, leftOut } = await expandImportInputs([root]);
    expect(files).toHaveLength(1);
    expect(leftOut).toHaveLength(2);
    const { trajectories, format } = await importAll(files[0]!);
    expect(format).toBe("openhands-llm-completions");
    const t = trajectories[0]!;
    expect(t.task_id).toBe("django__django-11099");
    // 2 earlier calls + the response's finish call; 2 results
    expect(countsOf(t)).toEqual({ steps: 3, calls: 3, observations: 2, patch: null });
    expect(t.messages.at(-1)).toMatchObject({ role: "assistant", content: "done?" });
    expect(t.tools.map((x) => x.function.name)).toEqual(["execute_bash"]);
    expect(t.messages[1]).toMatchObject({ role: "user", content: "Fix the bug." });
  });

  it("mock function calling: the native tool-call form is imported", async () => {
    const log = completionLog(1, 1);
    const native = completionLog(1, 1);
    const dir = tempDir();
    writeFileSync(
      join(dir, "x.json"),
      JSON.stringify({
        ...log,
        messages: [{ role: "user", content: "text form" }],
        fncall_messages: native.messages,
        fncall_response: native.response,
      }),
    );
    const { trajectories } = await importAll(join(dir, "x.json"));
    expect(countsOf(trajectories[0]!).calls).toBe(2);
  });
});

describe("a folder argument", () => {
  it("imports every trajectory file under it, with the count per format (CLI)", async () => {
    const out = join(tempDir(), "all.jsonl");
    const result = spawnSync(process.execPath, [CLI, "import", TRAJECTORIES, "-o", out], {
      encoding: "utf8",
    });
    expect(result.stderr).not.toMatch(/EISDIR/);
    expect(result.status).toBe(0);
    const names = readdirSync(TRAJECTORIES);
    const expected = names.reduce((n, name) => n + (name.endsWith(".jsonl") ? jsonl(name).length : 1), 0);
    const written: Trajectory[] = [];
    for await (const { value } of readJsonl(out)) written.push(parseTrajectory(value));
    expect(written).toHaveLength(expected);
    expect(result.stderr).toMatch(/by format: /);
    expect(result.stderr).toMatch(/openhands: 3 file\(s\), 6 trajectories/);
    expect(result.stderr).toMatch(/mini-swe-agent: 2 file\(s\), 2 trajectories/);
    expect(result.stderr).toMatch(/swe-agent: 2 file\(s\), 2 trajectories/);
  });

  it("an empty folder is exit 2 naming it", () => {
    const dir = tempDir();
    const result = spawnSync(process.execPath, [CLI, "import", dir, "-o", join(dir, "o.jsonl")], {
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(dir);
    expect(result.stderr).toMatch(/no trajectory files/);
  });
});

describe("bad variants of each new format: exit 2 with the field", () => {
  async function fieldError(name: string, content: unknown, options = {}): Promise<string> {
    const dir = tempDir();
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    const error = await importAll(path, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }

  it("mini-swe-agent v2: a tool result for no call, a call without a name", async () => {
    const source = json("mini-swe-agent-v2-astropy-12907.traj.json");
    source.messages[3].tool_call_id = "nope";
    expect(await fieldError("a.traj.json", source)).toMatch(/field messages\[3\]\.tool_call_id/);
    const other = json("mini-swe-agent-v2-astropy-12907.traj.json");
    delete other.messages[4].tool_calls[0].function.name;
    expect(await fieldError("b.traj.json", other)).toMatch(
      /field messages\[4\]\.tool_calls\[0\]\.function\.name/,
    );
  });

  it("OpenHands resolver: a history entry that is not an object, a non-string instance_id", async () => {
    const [row] = jsonl("openhands-resolver-output-2024.jsonl");
    const broken = { ...row, history: [row!.history[0], 42] };
    expect(await fieldError("r.jsonl", `${JSON.stringify(broken)}\n`)).toMatch(/:1: field history\[1\]/);
    const badId = { ...row, instance_id: 7 };
    expect(await fieldError("r2.jsonl", `${JSON.stringify(badId)}\n`)).toMatch(/field instance_id/);
  });

  it("OpenHands event list: a non-object event with --from openhands", async () => {
    const events = json("openhands-events-basic.json") as unknown as unknown[];
    expect(await fieldError("e.json", [events[0], "junk"], { from: "openhands" })).toMatch(
      /field history\[1\]/,
    );
  });

  it("SWE-agent: a trajectory step without an action", async () => {
    const source = json("swe-agent-test-repo-i1.traj");
    const lastAssistant = source.history.map((m: Json) => m.role).lastIndexOf("assistant");
    source.history = source.history.slice(0, lastAssistant);
    source.trajectory.at(-1).action = null;
    expect(await fieldError("s.traj", source)).toMatch(/field trajectory\[4\]\.action/);
  });

  it("llm_completions: an unknown role, a response without a message", async () => {
    const log = completionLog(1, 1);
    log.messages[1].role = "robot";
    expect(await fieldError("c.json", log)).toMatch(/field messages\[1\]\.role/);
    const empty = completionLog(1, 1);
    empty.response.choices = [{}];
    expect(await fieldError("d.json", empty)).toMatch(/field response\.choices\[0\]/);
  });

  it("the CLI exits 2 on a bad variant and writes nothing", () => {
    const source = json("mini-swe-agent-v2-astropy-12907.traj.json");
    source.messages[3].tool_call_id = "nope";
    const dir = tempDir();
    const path = join(dir, "bad.traj.json");
    writeFileSync(path, JSON.stringify(source));
    const out = join(dir, "out.jsonl");
    const result = spawnSync(process.execPath, [CLI, "import", path, "-o", out], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/messages\[3\]\.tool_call_id/);
    expect(readdirSync(dir)).toEqual(["bad.traj.json"]);
  });

  it("importFiles over a folder's files keeps going with --skip-invalid past a stray JSON file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ hello: "world" }));
    writeFileSync(join(dir, "run.traj"), readFileSync(file("swe-agent-test-repo-i1.traj")));
    const { files } = await expandImportInputs([dir]);
    const results = await importFiles(files, join(tempDir(), "o.jsonl"), { skipInvalid: true });
    expect(results.map((r) => r.trajectories)).toEqual([0, 1]);
    expect(results[0]!.skipped.count).toBe(1);
  });
});
