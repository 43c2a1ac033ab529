import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePair } from "../src/schema/validate.js";
import type { TreeFile } from "../src/tree/file.js";
import { prng, randomCorpus } from "./fixtures/tree/random.js";
import { CLI, tempDir } from "./helpers/paths.js";

function sealign(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("sealign tree and sealign pairs", () => {
  let dir = "";
  let sorted = "";
  let tasksShuffled = "";

  beforeAll(() => {
    dir = tempDir();
    const corpus = randomCorpus(11, 30, 10);
    sorted = join(dir, "sorted.jsonl");
    writeFileSync(sorted, `${corpus.map((t) => JSON.stringify(t)).join("\n")}\n`);
    // Whole tasks in another order, each task's records still in their order.
    const random = prng(5);
    const byTask = new Map<string, string[]>();
    for (const t of corpus) byTask.set(t.task_id, [...(byTask.get(t.task_id) ?? []), JSON.stringify(t)]);
    const groups = [...byTask.values()].sort(() => random() - 0.5);
    // Interleave two tasks so that the file is not sorted by task.
    const [g0, g1, ...rest] = groups as [string[], string[], ...string[][]];
    const mixed = g0.flatMap((line, i) => [line, g1[i]].filter((x): x is string => x !== undefined));
    tasksShuffled = join(dir, "unsorted.jsonl");
    writeFileSync(tasksShuffled, `${[...mixed, ...rest.flat()].join("\n")}\n`);
  });

  it("writes the same valid pairs with and without worker threads, sorted or not", () => {
    const outputs: string[] = [];
    for (const [input, workers] of [
      [sorted, "0"],
      [sorted, "2"],
      [tasksShuffled, "2"],
    ] as const) {
      const out = join(dir, `pairs-${workers}-${outputs.length}.jsonl`);
      const r = sealign(
        "pairs",
        input,
        "-o",
        out,
        "--workers",
        workers,
        "--json",
        "--ablation",
        `${out}.ablation`,
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const stats = JSON.parse(r.stdout);
      expect(stats.input_order).toBe(input === sorted ? "sorted" : "unsorted");
      expect(stats.tasks).toBe(30);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      expect(lines).toHaveLength(stats.pairs);
      for (const line of lines) parsePair(JSON.parse(line));
      for (const line of readFileSync(`${out}.ablation`, "utf8").trim().split("\n"))
        expect(parsePair(JSON.parse(line)).kind).toBe("trajectory");
      const sidecar = JSON.parse(readFileSync(`${out}.stats.json`, "utf8"));
      expect(sidecar.stats.pairs).toBe(stats.pairs);
      expect(sidecar.provenance.options.critical.threshold).toBe(0.5);
      // Compare as sets (the unsorted file lists tasks in another order), without provenance
      // (it names the input file).
      outputs.push(
        lines
          .map((l) => JSON.stringify({ ...JSON.parse(l), provenance: null }))
          .sort()
          .join("\n"),
      );
    }
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
    expect((outputs[0] ?? "").length).toBeGreaterThan(0);
  });

  it("writes one tree per task whose critical nodes are the pairs' decision nodes", () => {
    const trees = join(dir, "trees");
    const r = sealign("tree", sorted, "-o", trees, "--workers", "2", "--threshold", "0.3");
    expect(r.code).toBe(0);
    const index = JSON.parse(readFileSync(join(trees, "index.json"), "utf8"));
    expect(index.tasks).toHaveLength(30);
    expect(readdirSync(trees)).toHaveLength(31);
    const pairsOut = join(dir, "pairs-03.jsonl");
    expect(sealign("pairs", sorted, "-o", pairsOut, "--threshold", "0.3").code).toBe(0);
    const decisionIds = new Set(
      readFileSync(pairsOut, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).meta.decision_node_id),
    );
    const critical = new Set<string>();
    for (const entry of index.tasks) {
      const tree = JSON.parse(readFileSync(join(trees, entry.file), "utf8")) as TreeFile;
      expect(tree.schema_version).toBe("sealign.tree/1");
      const byId = new Map(tree.nodes.map((n) => [n.id, n]));
      for (const node of tree.nodes) {
        if (node.critical) critical.add(node.id);
        for (const child of node.children) expect(byId.get(child)?.parent).toBe(node.id);
        if (node.children.length > 0) {
          const below = node.children.reduce((n, c) => n + (byId.get(c)?.visits ?? 0), 0);
          expect(node.visits).toBe(below + node.ends);
        }
        expect(node.score).toBeCloseTo(node.visits ? node.successes / node.visits : 0, 12);
        expect(node.wilson[0]).toBeLessThanOrEqual(node.score);
      }
      // Every trajectory is one root-to-leaf path.
      for (const t of tree.trajectories) {
        const path: string[] = [];
        for (let id: string | null = t.leaf; id; id = byId.get(id)?.parent ?? null) path.push(id);
        expect(path.at(-1)).toBe("root");
        for (const id of path) expect(byId.get(id)?.trajectory_ids).toContain(t.id);
      }
    }
    expect(critical).toEqual(decisionIds);
  });

  it("writes the same trees with --order auto as with --order unsorted on interleaved input", () => {
    // Regression: auto crashed with "tree node without trajectories" while trying sorted order.
    const auto = join(dir, "trees-auto");
    const unsorted = join(dir, "trees-unsorted");
    const a = sealign("tree", tasksShuffled, "-o", auto, "--workers", "2", "--json");
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout).input_order).toBe("unsorted");
    expect(sealign("tree", tasksShuffled, "-o", unsorted, "--order", "unsorted", "--workers", "0").code).toBe(
      0,
    );
    const files = readdirSync(unsorted).sort();
    expect(files).toHaveLength(31);
    expect(readdirSync(auto).sort()).toEqual(files);
    for (const file of files)
      expect(readFileSync(join(auto, file), "utf8")).toBe(readFileSync(join(unsorted, file), "utf8"));
  });

  it("exits 2 naming file and line for bad input and bad options", () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${readFileSync(sorted, "utf8").split("\n").slice(0, 3).join("\n")}\n{"id": \n`);
    const r = sealign("pairs", bad, "-o", join(dir, "never.jsonl"), "--workers", "2");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.jsonl:4: malformed JSON/);
    expect(existsSync(join(dir, "never.jsonl"))).toBe(false);
    const skipped = sealign("pairs", bad, "-o", join(dir, "ok.jsonl"), "--skip-invalid", "--json");
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout).skipped).toBe(1);
    expect(sealign("pairs", sorted, "-o", join(dir, "x.jsonl"), "--threshold", "2").code).toBe(2);
    expect(sealign("pairs", sorted, "-o", join(dir, "x.jsonl"), "--pairs", "some").code).toBe(2);
    const unsorted = sealign("pairs", tasksShuffled, "-o", join(dir, "x.jsonl"), "--order", "sorted");
    expect(unsorted.code).toBe(2);
    expect(unsorted.stderr).toMatch(/not sorted by task/);
  });
});

describe("sealign tree / pairs: output option and the next command", () => {
  it("end with where the output went and the next command; -o, --output and --out all work", () => {
    const dir = tempDir("sealign-next-");
    const file = join(dir, "t.jsonl");
    writeFileSync(
      file,
      `${randomCorpus(3, 4, 6)
        .map((t) => JSON.stringify(t))
        .join("\n")}\n`,
    );
    const tree = sealign("tree", file, "--output", join(dir, "trees"));
    expect(tree.code).toBe(0);
    expect(tree.stderr).toMatch(
      /wrote \d+ trees to .*trees \(index\.json lists them\)\nnext: sealign pairs .*t\.jsonl -o pairs\.jsonl/,
    );
    const pairs = sealign("pairs", file, "--out", join(dir, "p.jsonl"));
    expect(pairs.code).toBe(0);
    expect(pairs.stderr).toMatch(
      /wrote \d+ pairs to .*p\.jsonl .*\nnext: sealign export dpo .*p\.jsonl -o dpo\.jsonl/,
    );
    // Piped, NO_COLOR or not: no escape codes.
    expect(pairs.stderr).not.toContain("\x1b[");
    const missing = sealign("pairs", file);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-o, --output <file>' not specified");
  });
});
