import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runMetrics, trajectoryMetrics } from "../../src/eval/metrics.js";
import { evalCharts } from "../../src/eval/run.js";
import { analyseTask, type TaskAnalysis } from "../../src/pairs/analyse.js";
import type { Pair } from "../../src/schema/pair.js";
import type { Message, Trajectory } from "../../src/schema/trajectory.js";
import { buildTrajectory } from "../../src/trajectories/build.js";
import { sharedData } from "./paths.js";

/**
 * A small run for the viewer's tests, made by hand from real HumanEvalFix tasks in
 * ../shared/data: per task, trajectories of two runs (a base model and an aligned one) that
 * share a prefix (view the file, run it) and then diverge: the right fix (resolved), a wrong
 * fix (failed), or running the same command again and again (stuck, empty patch).
 */

interface FixTask {
  instance_id: string;
  files: Record<string, string>;
  problem_statement: string;
}

/** The bug, its fix and a plausible wrong fix, per task. */
const EDITS: Record<string, { bug: string; fix: string; wrong: string }> = {
  "humanevalfix-python-0": {
    bug: "                distance = elem - elem2",
    fix: "                distance = abs(elem - elem2)",
    wrong: "                distance = elem2 - elem",
  },
  "humanevalfix-python-1": {
    bug: "            if current_depth < 0:",
    fix: "            if current_depth == 0:",
    wrong: "            if current_depth <= 0:",
  },
  "humanevalfix-python-2": {
    bug: "    return number % 1.0 + 1.0",
    fix: "    return number % 1.0",
    wrong: "    return number % 1.0 - 1.0",
  },
};

export const FIXTURE_TASKS = Object.keys(EDITS);

const TOOLS = [
  {
    type: "function" as const,
    function: {
      name: "execute_bash",
      description: "Run a bash command in the workspace.",
      parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    },
  },
  {
    type: "function" as const,
    function: {
      name: "str_replace_editor",
      description: "View, create and edit files.",
      parameters: {
        type: "object",
        properties: {
          command: { type: "string" },
          path: { type: "string" },
          old_str: { type: "string" },
          new_str: { type: "string" },
        },
        required: ["command", "path"],
      },
    },
  },
  {
    type: "function" as const,
    function: {
      name: "finish",
      description: "Finish the task.",
      parameters: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
    },
  },
];

export function loadFixtureTasks(): FixTask[] {
  const lines = readFileSync(sharedData("humanevalfix-python.jsonl"), "utf8").split("\n");
  return lines
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as FixTask)
    .filter((t) => t.instance_id in EDITS);
}

/** A unified diff replacing one line of main.py, with three lines of context. */
export function oneLineDiff(source: string, bug: string, replacement: string): string {
  const lines = source.split("\n");
  const at = lines.indexOf(bug);
  if (at < 0) throw new Error(`fixture: line not found: ${bug}`);
  const start = Math.max(0, at - 3);
  const end = Math.min(lines.length, at + 4);
  const before = lines.slice(start, at).map((l) => ` ${l}`);
  const after = lines.slice(at + 1, end).map((l) => ` ${l}`);
  const count = end - start;
  return [
    "diff --git a/main.py b/main.py",
    "--- a/main.py",
    "+++ b/main.py",
    `@@ -${start + 1},${count} +${start + 1},${count} @@`,
    ...before,
    `-${bug}`,
    `+${replacement}`,
    ...after,
    "",
  ].join("\n");
}

type Branch = "fix" | "wrong" | "stuck";

let callCounter = 0;
function call(name: string, args: Record<string, unknown>) {
  callCounter++;
  return {
    id: `call_${callCounter}`,
    type: "function" as const,
    function: { name, arguments: JSON.stringify(args) },
  };
}

function numbered(source: string): string {
  return source
    .split("\n")
    .map((l, i) => `${String(i + 1).padStart(6)}\t${l}`)
    .join("\n");
}

/** One trajectory of `branch` on `task`, as sealign's collector would record it. */
export function fixtureTrajectory(
  task: FixTask,
  branch: Branch,
  run: string,
  model: string,
  sample: number,
): Trajectory {
  const edit = EDITS[task.instance_id]!;
  const source = task.files["main.py"]!;
  const messages: Message[] = [
    {
      role: "system",
      content: "You are a software engineer working in /workspace. Use the tools to fix the issue.",
    },
    { role: "user", content: `${task.problem_statement}\nThe code is in /workspace/main.py.` },
  ];
  const act = (thought: string, name: string, args: Record<string, unknown>, observation: string) => {
    const c = call(name, args);
    messages.push({ role: "assistant", content: thought, tool_calls: [c] });
    messages.push({ role: "tool", tool_call_id: c.id, name, content: observation });
  };
  const failure = `Traceback (most recent call last):\n  File "/workspace/main.py", line ${source.split("\n").length - 1}, in <module>\n    check(...)\nAssertionError\n[exit code 1]`;
  act(
    "Let me look at the code first.",
    "str_replace_editor",
    { command: "view", path: "/workspace/main.py" },
    numbered(source),
  );
  act(
    "Run it to see the failing check.",
    "execute_bash",
    { command: "cd /workspace && python3 main.py" },
    failure,
  );
  let patch = "";
  let resolved = false;
  let exit: Trajectory["outcome"]["exit_reason"] = "finished";
  if (branch === "stuck") {
    for (let i = 0; i < 3; i++) {
      act("Run it again.", "execute_bash", { command: "cd /workspace && python3 main.py" }, failure);
    }
    exit = "stuck";
  } else {
    const replacement = branch === "fix" ? edit.fix : edit.wrong;
    act(
      branch === "fix" ? "The comparison is wrong; fix that line." : "Flip the operands on that line.",
      "str_replace_editor",
      { command: "str_replace", path: "/workspace/main.py", old_str: edit.bug, new_str: replacement },
      "The file /workspace/main.py has been edited.",
    );
    act(
      "Check it again.",
      "execute_bash",
      { command: "cd /workspace && python3 main.py" },
      branch === "fix" ? "[exit code 0]" : failure,
    );
    const c = call("finish", { message: "Fixed the bug." });
    // each run words its last thought its own way: runs of one branch are alike, not duplicates
    // (the dedupe filter drops trajectories equal but for their tool-call ids)
    messages.push({ role: "assistant", content: `Done (${run}, sample ${sample}).`, tool_calls: [c] });
    patch = oneLineDiff(source, edit.bug, replacement);
    resolved = branch === "fix";
  }
  return buildTrajectory({
    id: `${run}/${task.instance_id}/${sample}`,
    task_id: task.instance_id,
    provenance: {
      scaffold: "sealign",
      model,
      run_id: run,
      sample_index: sample,
      sampling: { temperature: 0.7, seed: sample },
    },
    tools: TOOLS,
    messages,
    patch,
    outcome: {
      resolved,
      exit_reason: exit,
      labels: branch === "stuck" ? ["stuck:repeated_action"] : [],
      // A wrong fix was validated: its report names the failing test and the log validate wrote.
      report: branch === "wrong" ? wrongFixReport(task.instance_id, run, sample) : null,
    },
    usage: { total_tokens: 1200 + 150 * messages.length, seconds: 12 },
  });
}

/** The test log validate would have written for a wrong fix (relative to the run's folder). */
export function fixtureLogPath(taskId: string, sample: number): string {
  return `logs/${taskId}-${sample}.log`;
}

export const FIXTURE_FAILING_TEST = "main.py::check";

function wrongFixReport(taskId: string, _run: string, sample: number) {
  return {
    patch_exists: true,
    patch_successfully_applied: true,
    resolved: false,
    apply_method: "git apply",
    tests_status: {
      FAIL_TO_PASS: { success: [], failure: [FIXTURE_FAILING_TEST] },
      PASS_TO_PASS: { success: [], failure: [] },
    },
    exit_code: 1,
    duration_s: 0.4,
    log_path: fixtureLogPath(taskId, sample),
    parser: "exit-code",
  };
}

/** Branches per run: the base model mostly fails, the aligned one mostly fixes. */
const RUNS: { run: string; model: string; branches: Branch[] }[] = [
  { run: "base-run", model: "qwen2.5-coder-7b", branches: ["fix", "wrong", "wrong", "stuck"] },
  { run: "aligned-run", model: "sealign-7b", branches: ["fix", "fix", "wrong"] },
];

export function fixtureTrajectories(): Trajectory[] {
  callCounter = 0;
  const out: Trajectory[] = [];
  for (const task of loadFixtureTasks()) {
    for (const { run, model, branches } of RUNS) {
      branches.forEach((branch, i) => {
        out.push(fixtureTrajectory(task, branch, run, model, i));
      });
    }
  }
  return out;
}

/**
 * Trees and critical pairs of the fixture, made by the tree and pairs stages' own library
 * (`analyseTask`, what `sealign tree` and `sealign pairs` run per task) with their defaults:
 * stuck trajectories are filtered out, the decision after "run it" is critical.
 */
export function fixtureAnalyses(trajectories: Trajectory[]): TaskAnalysis[] {
  return FIXTURE_TASKS.map((task) =>
    analyseTask(
      task,
      trajectories.filter((t) => t.task_id === task),
      { treeFile: true, provenance: { tool: "view test fixture" } },
    ),
  );
}

/**
 * Write the fixture run: RUN/base-run/trajectories.jsonl, RUN/aligned-run/trajectories.jsonl,
 * RUN/pairs.jsonl, RUN/trees/<task>.json, RUN/eval/report.json, plus a stranger file.
 */
export async function writeFixtureRun(
  dir: string,
): Promise<{ trajectories: Trajectory[]; pairs: Pair[]; analyses: TaskAnalysis[] }> {
  const trajectories = fixtureTrajectories();
  const analyses = fixtureAnalyses(trajectories);
  const pairs = analyses.flatMap((a) => a.pairs);
  for (const { run } of RUNS) {
    await mkdir(join(dir, run), { recursive: true });
    const lines = trajectories.filter((t) => t.provenance.run_id === run).map((t) => JSON.stringify(t));
    await writeFile(join(dir, run, "trajectories.jsonl"), `${lines.join("\n")}\n`);
  }
  await writeFile(join(dir, "pairs.jsonl"), `${pairs.map((p) => JSON.stringify(p)).join("\n")}\n`);
  await mkdir(join(dir, "trees"), { recursive: true });
  for (const analysis of analyses) {
    await writeFile(join(dir, "trees", `${analysis.taskId}.json`), JSON.stringify(analysis.treeFile));
  }
  // eval's charts and a report, made by the eval stage's own library.
  await mkdir(join(dir, "eval"), { recursive: true });
  const runs = RUNS.map(({ run }) =>
    runMetrics(
      run,
      join(dir, run, "trajectories.jsonl"),
      trajectories.filter((t) => t.provenance.run_id === run).map(trajectoryMetrics),
    ),
  );
  for (const chart of evalCharts(runs)) await writeFile(join(dir, "eval", `${chart.name}.svg`), chart.svg);
  await writeFile(join(dir, "eval", "report.json"), JSON.stringify({ runs: runs.map((r) => r.overall) }));
  await writeFile(join(dir, "notes.jsonl"), '{"hello": "not a sealign file"}\n');
  // The wrong fixes' test logs, where their reports point (relative to each run's folder).
  for (const t of trajectories) {
    const log = t.outcome.report?.log_path;
    if (!log) continue;
    await mkdir(join(dir, t.provenance.run_id!, "logs"), { recursive: true });
    await writeFile(
      join(dir, t.provenance.run_id!, log),
      `$ python3 main.py\nTraceback (most recent call last):\n  File "main.py", in check\nAssertionError: ${t.id}\n`,
    );
  }
  // The tasks the run was collected on, with their gold patches (the right fix).
  const tasks = loadFixtureTasks().map((task) => ({
    ...task,
    patch: oneLineDiff(task.files["main.py"]!, EDITS[task.instance_id]!.bug, EDITS[task.instance_id]!.fix),
  }));
  await writeFile(join(dir, "tasks.jsonl"), `${tasks.map((t) => JSON.stringify(t)).join("\n")}\n`);
  // A trained model's folder: Hugging Face files, not reports.
  await mkdir(join(dir, "model", "trained"), { recursive: true });
  await writeFile(
    join(dir, "model", "trained", "config.json"),
    '{"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}',
  );
  await writeFile(
    join(dir, "model", "trained", "tokenizer_config.json"),
    '{"tokenizer_class": "Qwen2Tokenizer"}',
  );
  return { trajectories, pairs, analyses };
}
