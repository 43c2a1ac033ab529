import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareRuns } from "../src/eval/compare.js";
import { comparisonMarkdown, perTaskMarkdown } from "../src/eval/markdown.js";
import { groupMetrics, runMetrics, spread, trajectoryMetrics } from "../src/eval/metrics.js";
import { evaluate, runTrajectoriesFile } from "../src/eval/run.js";
import { fakeRun, fakeTrajectory, writeRun } from "./eval-fixtures.js";
import { CLI, tempDir } from "./helpers/paths.js";

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe("eval metrics (the paper's definitions)", () => {
  it("counts resolved, empty, stuck (same action 3 times in a row), invalid patch and tool errors", () => {
    const items = [
      fakeTrajectory(
        { task: "a", resolved: true, patch: "diff", turns: 5, tokens: 100, cost: 0.5, seconds: 10 },
        "1",
      ),
      fakeTrajectory({ task: "a", resolved: false, patch: "", turns: 6, stuck: true, toolErrors: 2 }, "2"),
      fakeTrajectory({ task: "b", resolved: false, patch: "diff", turns: 3, applied: false }, "3"),
      fakeTrajectory({ task: "b", resolved: null, patch: null, turns: 2 }, "4"),
    ].map(trajectoryMetrics);
    expect(items.map((m) => [m.stuck, m.empty_patch, m.invalid_patch])).toEqual([
      [false, false, false],
      [true, true, true],
      [false, false, true],
      [false, null, true],
    ]);
    const g = groupMetrics(items);
    expect(g.rates.resolved).toBe(0.25);
    expect(g.rates.empty_patch).toBe(0.25);
    expect(g.rates.stuck).toBe(0.25);
    expect(g.rates.invalid_patch).toBe(0.75);
    expect(g.rates.tool_error).toBeCloseTo(2 / 16);
    expect(g.unvalidated).toBe(1);
    expect(g.turns).toMatchObject({ mean: 4, median: 4, max: 6, total: 16 });
    expect(g.tokens).toMatchObject({ n: 1, total: 100 });
    expect(g.cost_usd.total).toBe(0.5);
    const run = runMetrics("r", "x", items);
    expect(Object.keys(run.tasks)).toEqual(["a", "b"]);
    expect(run.tasks.a!.rates.resolved).toBe(0.5);
  });

  it("two identical actions are not a loop; a third one is", () => {
    const two = fakeTrajectory({ task: "a", resolved: false, patch: "", turns: 3, stuck: false }, "x");
    expect(trajectoryMetrics(two).stuck).toBe(false);
    expect(spread([])).toMatchObject({ n: 0, mean: null });
    expect(spread([1, 2, 3, 4]).median).toBe(2.5);
  });
});

describe("comparison", () => {
  const tasks = Array.from({ length: 30 }, (_, i) => `t${i}`);
  const base = runMetrics(
    "base",
    "b",
    fakeRun(tasks, 4, { resolve: 0.3, empty: 0.5, stuck: 0.35, toolError: 0.3, turns: 18 }, 1).map(
      trajectoryMetrics,
    ),
  );
  const aligned = runMetrics(
    "aligned",
    "a",
    fakeRun(tasks, 4, { resolve: 0.7, empty: 0.15, stuck: 0.1, toolError: 0.1, turns: 11 }, 2).map(
      trajectoryMetrics,
    ),
  );

  it("gives deltas against the baseline and the tasks that moved", () => {
    const c = compareRuns([base, aligned]);
    expect(c.baseline).toBe("base");
    const d = c.deltas.aligned!;
    expect(d.resolved_rate).toBeCloseTo(aligned.overall.rates.resolved! - base.overall.rates.resolved!);
    expect(d.resolved_rate!).toBeGreaterThan(0);
    expect(d.empty_patch_rate!).toBeLessThan(0);
    expect(d.turns_mean!).toBeLessThan(0);
    expect(c.task_changes.length).toBeGreaterThan(0);
    expect(c.task_changes[0]!.max_delta).toBeGreaterThanOrEqual(c.task_changes.at(-1)!.max_delta);
    const md = comparisonMarkdown(c);
    expect(md).toContain("| metric | base (baseline) | aligned |");
    expect(md).toMatch(/\| resolved rate \| \d+\.\d% \| \d+\.\d% \(\+\d+\.\d pp\) \|/);
    expect(md).toContain("newly resolved");
    const perTask = perTaskMarkdown([base, aligned]);
    expect(perTask).toContain("| task | base resolved (n) | aligned resolved (n) |");
    expect(perTask.split("\n").filter((l) => l.startsWith("| t")).length).toBe(31); // header + 30 tasks
    const single = perTaskMarkdown([base]);
    expect(single).toContain("| t0 | 4 |");
  });
});

describe("sealign eval", () => {
  it("names runs by folder and warns when the compared runs share no task, or only some", async () => {
    const dir = tempDir("sealign-eval-overlap-");
    const a = Array.from({ length: 6 }, (_, i) => `task-a-${i}`);
    const b = Array.from({ length: 6 }, (_, i) => `task-b-${i}`);
    const rates = { resolve: 0.5, empty: 0.1, stuck: 0.1, toolError: 0.1, turns: 8 };
    mkdirSync(join(dir, "base", "validated"), { recursive: true });
    mkdirSync(join(dir, "other"), { recursive: true });
    writeRun(join(dir, "base", "validated", "trajectories.jsonl"), fakeRun(a, 2, rates, 1));
    writeRun(join(dir, "other", "trajectories.jsonl"), fakeRun(b, 2, rates, 2));
    writeRun(join(dir, "half.jsonl"), fakeRun([...a.slice(0, 3), ...b.slice(0, 3)], 2, rates, 3));
    const result = await evaluate({
      runs: [join(dir, "other", "trajectories.jsonl"), join(dir, "half.jsonl")],
      compare: join(dir, "base"),
      out: join(dir, "eval"),
      png: false,
    });
    expect(result.runs.map((r) => r.name)).toEqual(["base", "other", "half"]);
    expect(result.warnings).toEqual([
      "runs base and other share no task (6 and 6 tasks): their deltas compare different tasks",
      "runs base and half share 3 of their tasks (6 and 6): deltas mix in tasks only one of them ran",
    ]);
  });

  it("reads run folders and files, writes JSON, Markdown and charts (SVG + PNG), and prints the comparison", async () => {
    const dir = tempDir("sealign-eval-");
    const tasks = Array.from({ length: 40 }, (_, i) => `humanevalfix-python-${i}`);
    const runDir = join(dir, "baseline-run");
    mkdirSync(join(runDir, "validated"), { recursive: true });
    writeFileSync(join(runDir, "manifest.json"), JSON.stringify({ model: "qwen-14b", run_id: "r1" }));
    writeRun(
      join(runDir, "validated", "trajectories.jsonl"),
      fakeRun(tasks, 4, { resolve: 0.35, empty: 0.45, stuck: 0.35, toolError: 0.3, turns: 18 }, 1),
    );
    const aligned = writeRun(
      join(dir, "aligned.jsonl"),
      fakeRun(tasks, 4, { resolve: 0.7, empty: 0.18, stuck: 0.15, toolError: 0.1, turns: 11 }, 2),
    );
    expect(runTrajectoriesFile(runDir)).toBe(join(runDir, "validated", "trajectories.jsonl"));

    const out = join(dir, "eval");
    const result = await evaluate({ runs: [aligned], compare: runDir, out });
    // Named by folder (a run folder's manifest model would name two runs of one model alike).
    expect(result.runs.map((r) => r.name)).toEqual(["baseline-run", "aligned"]);
    expect(result.warnings).toEqual([]);
    for (const f of ["eval.json", "eval.md", "rates.svg", "rates.png", "turns.svg", "turns.png"])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, "rates.png")).subarray(0, 4).equals(PNG_MAGIC)).toBe(true);
    const svg = readFileSync(join(out, "rates.svg"), "utf8");
    expect(svg).toContain("stuck in loop");
    expect(svg).toContain("baseline-run");
    const json = JSON.parse(readFileSync(join(out, "eval.json"), "utf8"));
    expect(json.comparison.baseline).toBe("baseline-run");
    expect(Object.keys(json.runs[0].tasks)).toHaveLength(40);
    if (process.env.SEALIGN_KEEP_CHARTS) process.stdout.write(`charts in ${out}\n`);

    const cli = spawnSync(
      process.execPath,
      [CLI, "eval", runDir, aligned, "-o", join(dir, "cli"), "--no-png"],
      { encoding: "utf8" },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("## Runs compared (baseline: baseline-run)");
    expect(existsSync(join(dir, "cli", "turns.svg"))).toBe(true);
    expect(existsSync(join(dir, "cli", "turns.png"))).toBe(false);
  });

  it("exits 2 naming the file on a missing run or a malformed trajectory", () => {
    const dir = tempDir("sealign-eval-");
    const missing = spawnSync(process.execPath, [CLI, "eval", join(dir, "nope"), "-o", join(dir, "o")], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("nope");
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"schema_version": "sealign.trajectory/1", "id": "x"}\n');
    const malformed = spawnSync(process.execPath, [CLI, "eval", bad, "-o", join(dir, "o")], {
      encoding: "utf8",
    });
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/bad\.jsonl:1/);
    const skipped = spawnSync(process.execPath, [CLI, "eval", bad, "-o", join(dir, "o"), "--skip-invalid"], {
      encoding: "utf8",
    });
    expect(skipped.status).toBe(2);
    expect(skipped.stderr).toContain("no trajectories");
  });
});
