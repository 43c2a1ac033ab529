// Generates a realistic synthetic trajectory corpus for the tree/pairs benchmark.
//
//   node bench/gen-tree-corpus.mjs --mb 100 --out bench/.data/tree-100mb.jsonl [--samples 16] [--seed 1] [--shuffle]
//
// Shape: tasks x samples x steps. Each task's samples walk a shared space of actions: at every
// step a sample either follows an action an earlier sample took there (weighted by how often)
// or tries a new one, so trajectories share prefixes and diverge at random depths, as sampled
// agents do. Every action has a latent quality that drifts from its parent; the outcome is
// drawn from the final quality, so some decisions matter and some do not. Observation sizes
// are drawn from the real OpenHands trajectories in ../shared/data/trajectories/, and carry
// volatile content (timings, temp paths, PIDs, addresses) that the observation hash strips.
// Records are written sorted by task (as collect writes them), or shuffled with --shuffle.
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(" ")
    .split(/\s*--/)
    .filter(Boolean)
    .map((a) => {
      const [k, ...v] = a.split(/\s+/);
      return [k, v.length ? v.join(" ") : true];
    }),
);
const targetBytes = Number(args.mb ?? 100) * 1e6;
const samples = Number(args.samples ?? 16);
const out = args.out ?? join(here, ".data", `tree-${args.mb ?? 100}mb.jsonl`);
let seed = Number(args.seed ?? 1) >>> 0;

// Deterministic PRNG (mulberry32).
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

// Observation sizes and text from real OpenHands runs.
const real = readFileSync(join(here, "../../shared/data/trajectories/openhands-output.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const observationSizes = [];
let textPool = "";
for (const run of real) {
  for (const event of run.history ?? []) {
    if (event.observation && typeof event.content === "string") {
      observationSizes.push(event.content.length);
      if (textPool.length < 400_000) textPool += `${event.content}\n`;
    }
  }
}
if (observationSizes.length === 0) throw new Error("no observations found in the real trajectories");
while (textPool.length < 200_000) textPool += textPool;
const text = (n) => {
  if (n <= 0) return "";
  const start = Math.floor(random() * (textPool.length - n - 1));
  return n < textPool.length
    ? textPool.slice(start, start + n)
    : textPool.repeat(Math.ceil(n / textPool.length)).slice(0, n);
};

const COMMANDS = [
  () => ({
    tool: "execute_bash",
    args: { command: `grep -rn "${text(8).replace(/\W/g, "")}" src/ | head -50` },
  }),
  () => ({
    tool: "execute_bash",
    args: { command: `python -m pytest tests/test_${Math.floor(random() * 40)}.py -x -q` },
  }),
  () => ({
    tool: "execute_bash",
    args: { command: `find . -name "*.py" -path "*${Math.floor(random() * 99)}*"` },
  }),
  () => ({
    tool: "str_replace_editor",
    args: { command: "view", path: `/workspace/repo/src/mod${Math.floor(random() * 60)}.py` },
  }),
  () => ({
    tool: "str_replace_editor",
    args: {
      command: "str_replace",
      path: `/workspace/repo/src/mod${Math.floor(random() * 60)}.py`,
      old_str: text(60 + Math.floor(random() * 200)),
      new_str: text(60 + Math.floor(random() * 300)),
    },
  }),
  () => ({ tool: "think", args: { thought: text(100 + Math.floor(random() * 300)) } }),
];

function volatile() {
  const hex = Math.floor(random() * 2 ** 40)
    .toString(16)
    .padStart(10, "0");
  return `\n[1] ${Math.floor(random() * 99999)}\nRan in ${(random() * 3).toFixed(3)}s (object at 0x${hex}) workdir /tmp/run-${Math.floor(random() * 1e8).toString(36)}/x`;
}

/** A node of the task's action space: what was done there, what it shows, how good it is. */
function newNode(parent) {
  const make = pick(COMMANDS)();
  const size = pick(observationSizes);
  return {
    action: make,
    observation: text(size),
    quality: Math.max(-3, Math.min(3, (parent?.quality ?? -0.5) + gauss() * 0.6)),
    children: [],
    visits: 0,
  };
}

const TOOLS = ["execute_bash", "str_replace_editor", "think", "finish"].map((name) => ({
  type: "function",
  function: { name, description: `The ${name} tool.`, parameters: { type: "object", properties: {} } },
}));

mkdirSync(dirname(out), { recursive: true });
const records = [];
const stream = args.shuffle ? null : createWriteStream(out);
let bytes = 0;
let task = 0;
let trajectories = 0;
async function emit(line) {
  bytes += line.length + 1;
  trajectories++;
  if (stream) {
    if (!stream.write(`${line}\n`)) await new Promise((r) => stream.once("drain", r));
  } else records.push(line);
}

while (bytes < targetBytes) {
  const taskId = `repo__project-${String(task++).padStart(5, "0")}`;
  const problem = text(1500 + Math.floor(random() * 3000));
  const root = { children: [], quality: -0.5 + gauss() * 0.8 };
  for (let s = 0; s < samples && bytes < targetBytes; s++) {
    const length = 10 + Math.floor(random() * 50);
    const messages = [
      {
        role: "system",
        content:
          "You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.",
      },
      { role: "user", content: `<uploaded_files>/workspace/repo</uploaded_files>\n${problem}` },
    ];
    let node = root;
    for (let d = 0; d < length; d++) {
      // Follow an earlier sample (weighted by visits) or try something new; new is likelier deeper.
      const explore = node.children.length === 0 || random() < 0.12 + d * 0.01;
      let next;
      if (explore) {
        next = newNode(node);
        node.children.push(next);
      } else {
        const total = node.children.reduce((n, c) => n + c.visits + 1, 0);
        let r = random() * total;
        next = node.children[node.children.length - 1];
        for (const child of node.children) {
          r -= child.visits + 1;
          if (r < 0) {
            next = child;
            break;
          }
        }
      }
      next.visits++;
      node = next;
      const id = `call_${s}_${d}_${Math.floor(random() * 1e9).toString(36)}`;
      messages.push({
        role: "assistant",
        content: `Let me continue. ${text(40 + Math.floor(random() * 200))}`,
        tool_calls: [
          {
            id,
            type: "function",
            function: { name: node.action.tool, arguments: JSON.stringify(node.action.args) },
          },
        ],
      });
      // Test runs and some shell commands print timings, PIDs, addresses and temp paths that
      // change from run to run; file views and edits print the same thing every time.
      const args = node.action.args;
      const noisy =
        /pytest/.test(args.command ?? "") || (node.action.tool === "execute_bash" && random() < 0.25);
      messages.push({
        role: "tool",
        tool_call_id: id,
        name: node.action.tool,
        content: noisy ? node.observation + volatile() : node.observation,
      });
    }
    const resolved = random() < 1 / (1 + Math.exp(-2 * node.quality));
    const record = {
      schema_version: "sealign.trajectory/1",
      id: `${taskId}#${s}`,
      task_id: taskId,
      provenance: {
        scaffold: "openhands",
        model: "synthetic",
        sampling: { temperature: 0.7, seed: s },
        sample_index: s,
        sealign_version: "0.1.0",
      },
      tools: TOOLS,
      messages,
      patch: resolved ? "diff --git a/x b/x\n" : "",
      outcome: { resolved, exit_reason: "finished", report: null, labels: [] },
      usage: {
        turns: length,
        prompt_tokens: null,
        completion_tokens: null,
        total_tokens: Math.floor(5000 + random() * 30000),
        tokens_estimated: false,
        cost_usd: null,
        seconds: null,
        tool_errors: 0,
      },
      import_notes: [],
      metadata: {},
    };
    await emit(JSON.stringify(record));
  }
}
if (stream) await new Promise((r) => stream.end(r));
else {
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [records[i], records[j]] = [records[j], records[i]];
  }
  const w = createWriteStream(out);
  for (const line of records) if (!w.write(`${line}\n`)) await new Promise((r) => w.once("drain", r));
  await new Promise((r) => w.end(r));
}
console.log(JSON.stringify({ out, bytes, tasks: task, trajectories, samples }));
