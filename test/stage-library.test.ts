import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importFile } from "../src/importers/index.js";
import { treeFileName, writePairs, writeTrees } from "../src/pairs/write.js";
import { runCli } from "../src/run-cli.js";
import { steps } from "../src/schema/steps.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { parseTrajectory } from "../src/schema/validate.js";
import { randomCorpus } from "./fixtures/tree/random.js";
import { sharedData, tempDir } from "./helpers/paths.js";

/**
 * `sealign tree` and `sealign pairs` are flags around the library's `writeTrees` and
 * `writePairs`: the same input gives byte-identical files either way. No file of these stages
 * holds a timestamp (provenance is tool, version, inputs and resolved options), so nothing is
 * normalised before comparing.
 */

const SAMPLES = [
  "trajectories/openhands-output.jsonl",
  "trajectories/swe-agent-test-repo-i1.traj",
  "trajectories/mini-swe-agent-github_issue.traj.json",
];

/** A real run scored resolved, plus a failed copy cut before its last step: one decision per task. */
function scoredPair(real: Trajectory, taskId: string): Trajectory[] {
  const last = steps(real).at(-1) as { messageIndex: number };
  const good = parseTrajectory({
    ...structuredClone(real),
    task_id: taskId,
    id: `${real.id}/good`,
    outcome: { resolved: true },
  });
  const bad = structuredClone(real);
  bad.messages = bad.messages.slice(0, last.messageIndex);
  bad.messages.push({
    role: "assistant",
    content: "I will stop here.",
    tool_calls: [
      { id: "k-1", type: "function", function: { name: "finish", arguments: '{"message":"done"}' } },
    ],
  });
  return [
    good,
    parseTrajectory({ ...bad, task_id: taskId, id: `${real.id}/bad`, outcome: { resolved: false } }),
  ];
}

/** Every file under `dir` (one level), name -> text. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

async function cli(...args: string[]): Promise<void> {
  const stderr: string[] = [];
  const code = await runCli(["node", "sealign", ...args, "--no-progress"], {
    write: (text: string) => stderr.push(text),
  });
  expect(code, stderr.join("")).toBe(0);
}

describe("tree and pairs as library functions", () => {
  let input = "";

  beforeAll(async () => {
    const corpus: Trajectory[] = [];
    const real: Trajectory[] = [];
    for (const sample of SAMPLES) for await (const t of importFile(sharedData(sample))) real.push(t);
    // Task ids in twos, "real/k" then "real:k": both clean to "real_k", so the tree files need the hash.
    real.forEach((t, i) => {
      const k = Math.floor(i / 2);
      corpus.push(...scoredPair(t, i % 2 === 0 ? `real/${k}` : `real:${k}`));
    });
    corpus.push(...randomCorpus(17, 12, 8));
    input = join(tempDir(), "scored.jsonl");
    writeFileSync(input, `${corpus.map((t) => JSON.stringify(t)).join("\n")}\n`);
  });

  it("writeTrees writes the folder `sealign tree` writes, byte for byte", async () => {
    const viaCli = join(tempDir(), "trees");
    const viaLibrary = join(tempDir(), "trees");
    await cli("tree", input, "-o", viaCli, "--order", "unsorted", "--workers", "0");
    const result = await writeTrees([input], { out: viaLibrary, order: "unsorted", workers: 0 });
    const a = filesOf(viaCli);
    const b = filesOf(viaLibrary);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const name of Object.keys(a)) expect(b[name], name).toBe(a[name]);
    // The real samples' ids collide once cleaned; the hash keeps one file per task.
    const files = result.tasks.map((t) => t.file);
    expect(new Set(files).size).toBe(result.tasks.length);
    expect(files).toContain(treeFileName("real/0"));
    expect(files).toContain(treeFileName("real:0"));
    expect(treeFileName("real/0")).not.toBe(treeFileName("real:0"));
    expect(treeFileName("task-17-0")).toBe("task-17-0.json");
    expect(result.stats.critical_nodes).toBeGreaterThan(0);
  });

  it("writePairs writes the files `sealign pairs` writes, byte for byte, with the flags mapped", async () => {
    const dir = tempDir();
    const cliOut = join(dir, "cli.jsonl");
    const libOut = join(dir, "lib.jsonl");
    await cli(
      "pairs",
      input,
      "-o",
      cliOut,
      "--threshold",
      "0.3",
      "--min-visits",
      "2",
      "--pairs",
      "extremes",
      "--ablation",
      join(dir, "cli-ablation.jsonl"),
      "--workers",
      "0",
    );
    const result = await writePairs([input], {
      out: libOut,
      workers: 0,
      analyse: { critical: { threshold: 0.3, minVisits: 2 } },
      pairs: { pairs: "extremes" },
      ablation: { out: join(dir, "lib-ablation.jsonl") },
    });
    expect(result.stats.pairs).toBeGreaterThan(0);
    expect(readFileSync(libOut, "utf8")).toBe(readFileSync(cliOut, "utf8"));
    expect(readFileSync(join(dir, "lib-ablation.jsonl"), "utf8")).toBe(
      readFileSync(join(dir, "cli-ablation.jsonl"), "utf8"),
    );
    expect(readFileSync(result.statsPath, "utf8")).toBe(readFileSync(`${cliOut}.stats.json`, "utf8"));
    const libStats = JSON.parse(readFileSync(result.statsPath, "utf8"));
    expect(libStats.provenance.options.critical).toMatchObject({
      threshold: 0.3,
      minVisits: 2,
      pairs: "extremes",
    });
  });

  it("checks paths before any work, naming the CLI flag", async () => {
    const dir = tempDir();
    await expect(writePairs([join(dir, "missing.jsonl")], { out: join(dir, "p.jsonl") })).rejects.toThrow(
      /missing\.jsonl/,
    );
    await expect(writePairs([input], { out: input })).rejects.toThrow(/--output/);
  });
});
