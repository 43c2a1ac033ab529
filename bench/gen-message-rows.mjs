// Generates a message-row corpus (SWE-Gym / Nebius style JSONL) of a given size for the import
// benchmark. Observation and thought sizes are drawn from the real OpenHands sample in
// ../shared/data, so the corpus has realistic shape: tool calls, long tool outputs, a system
// prompt and tools per row.
//   node bench/gen-message-rows.mjs OUT.jsonl SIZE_MB [SEED]

import { once } from "node:events";
import { createWriteStream, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [out, sizeMb = "1024", seedArg = "1"] = process.argv.slice(2);
if (!out) {
  console.error("usage: node bench/gen-message-rows.mjs OUT.jsonl SIZE_MB [SEED]");
  process.exit(2);
}

let seed = Number(seedArg) >>> 0 || 1;
function random() {
  // xorshift32: deterministic corpus for a given seed
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];

const sample = readFileSync(join(here, "../../shared/data/trajectories/openhands-output.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const observationSizes = [];
const thoughtSizes = [];
for (const row of sample) {
  for (const event of row.history) {
    if (event.observation && typeof event.content === "string") observationSizes.push(event.content.length);
    if (event.args?.thought) thoughtSizes.push(event.args.thought.length);
  }
}
const system = sample[0].history[0].args.content;
const tools = sample[0].history[0].args.tools;
const words =
  "the a to of and in is it that for on with as def return self if else import from class test assert value error file path line".split(
    " ",
  );
function text(length) {
  let s = "";
  while (s.length < length) s += `${pick(words)}${random() < 0.1 ? "\n" : " "}`;
  return s.slice(0, length);
}

const target = Number(sizeMb) * 1024 * 1024;
const stream = createWriteStream(out);
let written = 0;
let rows = 0;
while (written < target) {
  const task = `repo__proj-${Math.floor(random() * 500)}`;
  const messages = [
    { role: "system", content: system },
    { role: "user", content: `Fix the issue in ${task}:\n${text(800)}` },
  ];
  const turns = 10 + Math.floor(random() * 40);
  for (let i = 0; i < turns; i++) {
    const id = `call_${i}`;
    const command = pick([
      "ls -la",
      "pytest -q tests/",
      "grep -rn value src/",
      "python reproduce.py",
      "git diff",
    ]);
    messages.push({
      role: "assistant",
      content: text(pick(thoughtSizes)),
      tool_calls: [
        { id, type: "function", function: { name: "execute_bash", arguments: JSON.stringify({ command }) } },
      ],
    });
    messages.push({
      role: "tool",
      tool_call_id: id,
      name: "execute_bash",
      content: text(pick(observationSizes)),
    });
  }
  const row = {
    instance_id: task,
    run_id: `run-${rows % 8}`,
    resolved: random() < 0.25,
    messages,
    tools,
    model_patch: "",
  };
  const line = `${JSON.stringify(row)}\n`;
  written += Buffer.byteLength(line);
  rows++;
  if (!stream.write(line)) await once(stream, "drain");
}
stream.end();
await once(stream, "finish");
console.log(`wrote ${rows} rows, ${(written / 1048576).toFixed(0)} MB to ${out}`);
