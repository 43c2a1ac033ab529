import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Catalog, runLabel } from "../src/view/catalog.js";
import { viewOverview, viewTrajectories } from "../src/view/queries.js";
import { startViewServer } from "../src/view/server.js";
import { readTestLog, stuckSteps } from "../src/view/trajectory-detail.js";
import { queryTrajectories, trajectoryNeighbours } from "../src/view/trajectory-query.js";
import { drawnExtras } from "../src/view/tree-labels.js";
import { tempDir } from "./helpers/paths.js";
import { apiError, getApi } from "./helpers/view-api.js";
import {
  FIXTURE_FAILING_TEST,
  FIXTURE_TASKS,
  fixtureLogPath,
  fixtureTrajectories,
  writeFixtureRun,
} from "./helpers/view-fixture.js";

/**
 * Triage across the corpus (issue 16): the trajectories table's filters and sort, why a run
 * failed (failing tests, the test log, stuck steps), the gold patch, tree labels and marks,
 * what the overview recognises, and runs without a run id.
 */

let run: string;
let catalog: Catalog;

beforeAll(async () => {
  run = tempDir("sealign-view-triage-");
  await writeFixtureRun(run);
  catalog = await Catalog.open([run]);
});

describe("GET /api/trajectories across the corpus", () => {
  it("filters by outcome, exit reason, empty patch, tool errors, run, model, turns and text", () => {
    expect(viewTrajectories(catalog, {}).total).toBe(21);
    expect(viewTrajectories(catalog, { outcome: ["resolved"] }).total).toBe(9);
    expect(viewTrajectories(catalog, { outcome: ["failed"] }).total).toBe(12);
    expect(viewTrajectories(catalog, { outcome: ["unvalidated"] }).total).toBe(0);
    expect(viewTrajectories(catalog, { outcome: ["resolved", "failed"] }).total).toBe(21);
    const stuck = viewTrajectories(catalog, { exitReason: ["stuck"] });
    expect(stuck.total).toBe(3);
    expect(stuck.rows.every((r) => r.exit_reason === "stuck" && r.empty_patch)).toBe(true);
    expect(viewTrajectories(catalog, { emptyPatch: true }).total).toBe(3);
    expect(viewTrajectories(catalog, { emptyPatch: false }).total).toBe(18);
    expect(viewTrajectories(catalog, { toolErrors: true }).total).toBe(0);
    expect(viewTrajectories(catalog, { run: "aligned-run", model: "sealign-7b" }).total).toBe(9);
    expect(viewTrajectories(catalog, { model: "sealign-7b", run: "base-run" }).total).toBe(0);
    // Every fixture trajectory has 5 assistant turns: the range is inclusive at both ends.
    expect(viewTrajectories(catalog, { minTurns: 5, maxTurns: 5 }).total).toBe(21);
    expect(viewTrajectories(catalog, { minTurns: 6 }).total).toBe(0);
    expect(viewTrajectories(catalog, { maxTurns: 4 }).total).toBe(0);
    expect(viewTrajectories(catalog, { minTokens: 1e9 }).total).toBe(0);
    expect(viewTrajectories(catalog, { q: "PYTHON-2" }).total).toBe(7);
  });

  it("answers rows with the promised fields, sorted both ways, paginated", () => {
    const page = viewTrajectories(catalog, { sort: "turns", descending: true, offset: 0, limit: 5 });
    expect(page.total).toBe(21);
    expect(page.rows).toHaveLength(5);
    const row = page.rows[0]!;
    for (const key of [
      "id",
      "task_id",
      "run",
      "resolved",
      "exit_reason",
      "turns",
      "tokens",
      "tool_errors",
      "empty_patch",
    ])
      expect(row).toHaveProperty(key);
    const all = viewTrajectories(catalog, { sort: "turns", limit: 500 }).rows.map((r) => r.turns);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    const down = viewTrajectories(catalog, { sort: "tokens", descending: true, limit: 500 }).rows;
    expect(down.map((r) => r.tokens)).toEqual([...down.map((r) => r.tokens)].sort((a, b) => b! - a!));
    expect(viewTrajectories(catalog, { offset: 20, limit: 10 }).rows).toHaveLength(1);
  });

  it("steps to the previous and next trajectory of the same list", () => {
    const list = viewTrajectories(catalog, { outcome: ["failed"], sort: "id", limit: 500 }).rows.map(
      (r) => r.id,
    );
    const n = trajectoryNeighbours(catalog.trajectories, { outcome: ["failed"], sort: "id" }, list[1]!);
    expect(n).toEqual({ index: 1, total: 12, previous: list[0], next: list[2] });
    expect(trajectoryNeighbours(catalog.trajectories, {}, "nope").index).toBe(-1);
  });

  it("over HTTP: unknown filter values are 400 with the known values", async () => {
    const server = await startViewServer(catalog);
    try {
      const ok = await getApi(server.url, "trajectories", `outcome=failed&exit_reason=stuck&limit=2`);
      expect(ok.total).toBe(3);
      expect(ok.rows).toHaveLength(2);
      const bad = await fetch(`${server.url}api/trajectories?outcome=broken`);
      expect(bad.status).toBe(400);
      expect(await apiError(bad)).toMatch(/unknown outcome "broken"; known: resolved, failed, unvalidated/);
      const reason = await fetch(`${server.url}api/trajectories?exit_reason=bored`);
      expect(reason.status).toBe(400);
      expect(await apiError(reason)).toMatch(/unknown exit_reason "bored"; known: finished, max_turns/);
      expect((await fetch(`${server.url}api/trajectories?sort=colour`)).status).toBe(400);
      expect((await fetch(`${server.url}api/trajectories?empty_patch=maybe`)).status).toBe(400);
      expect((await fetch(`${server.url}api/trajectories?min_turns=many`)).status).toBe(400);
      const byTask = await getApi(server.url, "trajectories", `sort=-task&limit=1`);
      expect(byTask.rows[0]?.task_id).toBe(FIXTURE_TASKS[2]);
    } finally {
      await server.close();
    }
  });
});

describe("why it failed", () => {
  it("the trajectory API gives failing tests, the test log, stuck steps and the gold patch", async () => {
    const server = await startViewServer(catalog);
    try {
      const wrong = `base-run/${FIXTURE_TASKS[0]}/1`;
      const one = await getApi(server.url, "trajectory", `id=${encodeURIComponent(wrong)}`);
      expect(one.failing_tests.FAIL_TO_PASS).toEqual([FIXTURE_FAILING_TEST]);
      expect(one.test_log).toMatchObject({
        path: fixtureLogPath(FIXTURE_TASKS[0]!, 1),
        text: expect.stringContaining(`AssertionError: ${wrong}`),
      });
      expect(one.gold_patch).toContain("+                distance = abs(elem - elem2)");
      expect(one.stuck_steps).toEqual([]);
      const stuck = `base-run/${FIXTURE_TASKS[1]}/3`;
      const s = await getApi(server.url, "trajectory", `id=${encodeURIComponent(stuck)}`);
      // steps: view, run, run again x3: steps 2-5 (0-based 1-4) repeat one action.
      expect(s.stuck_steps).toEqual([1, 2, 3, 4]);
      expect(s.test_log).toBeNull();
      const links = await getApi(server.url, "trajectory-links", `id=${encodeURIComponent(wrong)}`);
      expect(links.tree).toBe(true);
      expect(links.nodes.some((n: { critical: boolean }) => n.critical)).toBe(true);
      expect(links.pairs.map((p: { side: string }) => p.side)).toEqual(["rejected"]);
    } finally {
      await server.close();
    }
  });

  it("stuckSteps marks every step of a run of 3 or more identical actions, and only those", () => {
    const stuck = fixtureTrajectories().find((t) => t.outcome.exit_reason === "stuck")!;
    expect(stuckSteps(stuck)).toEqual([1, 2, 3, 4]);
    const fine = fixtureTrajectories().find((t) => t.outcome.resolved === true)!;
    expect(stuckSteps(fine)).toEqual([]);
  });

  it("a hostile log_path is refused: outside the folder, absolute, through a link, not a file", async () => {
    const dir = tempDir("sealign-view-log-");
    const record = join(dir, "trajectories.jsonl");
    await writeFile(record, "");
    await writeFile(join(dir, "..", "secret-for-view-test.txt"), "secret");
    await mkdir(join(dir, "logs"));
    await writeFile(join(dir, "logs", "ok.log"), `${"x".repeat(70_000)}END`);
    await symlink("/etc/passwd", join(dir, "logs", "link.log"));
    await symlink("/etc", join(dir, "linkdir"));
    await mkdir(join(dir, "logs", "adir"));
    const ok = await readTestLog(record, "logs/ok.log");
    expect(ok).toMatchObject({ path: "logs/ok.log", bytes: 70_003, truncated: true });
    expect("text" in ok && ok.text.endsWith("END") && ok.text.length === 64 * 1024).toBe(true);
    for (const [path, why] of [
      ["../secret-for-view-test.txt", /not a path inside/],
      ["/etc/passwd", /not a path inside/],
      ["logs/link.log", /symbolic link/],
      ["linkdir/passwd", /symbolic link/],
      ["logs/adir", /not a plain file/],
      ["logs/missing.log", /not found/],
    ] as const) {
      const result = await readTestLog(record, path);
      expect("error" in result ? result.error : "read it").toMatch(why);
    }
  });
});

describe("tree labels and marks", () => {
  it("labels tell siblings apart by what differs, with the file path; leaves and pair sides marked", async () => {
    const tree = (await catalog.tree(FIXTURE_TASKS[0]!))!;
    const pairs = catalog.pairs.filter((p) => p.task_id === FIXTURE_TASKS[0]);
    const extras = drawnExtras(tree.nodes, pairs, (id) => catalog.trajectorySummary(id));
    const critical = tree.nodes.find((n) => n.critical)!;
    const kids = tree.nodes.filter((n) => n.parent === critical.id).map((n) => extras.get(n.id)!);
    expect(kids).toHaveLength(2);
    const labels = kids.map((k) => k.short);
    expect(new Set(labels).size).toBe(2);
    for (const label of labels) expect(label).toMatch(/^str_replace workspace\/main\.py · new_str: …/);
    expect(labels.some((l) => l.includes("abs(elem - elem2)"))).toBe(true);
    expect(kids.map((k) => k.role).sort()).toEqual(["chosen", "rejected"]);
    const leaves = [...extras.values()].map((e) => e.leaf).filter(Boolean);
    expect(leaves.sort()).toEqual(["failed", "resolved"]);
  });

  it("nodes without a message still get a differing part, and garbage arguments do not throw", () => {
    const node = (id: string, parent: string | null, label: string, message: unknown = null) => ({
      id,
      parent,
      kind: parent === null ? "root" : "step",
      key: label,
      label,
      depth: parent === null ? 0 : 1,
      visits: 1,
      successes: 0,
      score: 0,
      wilson: null,
      critical: false,
      trajectory_ids: [],
      message: message as never,
      observation_preview: null,
    });
    const extras = drawnExtras(
      [
        node("r", null, "task"),
        node("a", "r", 'execute_bash({"command":"pytest tests/test_models.py -x"})'),
        node("b", "r", 'execute_bash({"command":"pytest tests/test_views.py -x"})'),
        node("c", "r", "x", {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "1", type: "function", function: { name: "edit", arguments: "{not json" } }],
        }),
      ],
      [],
      () => undefined,
    );
    expect(extras.get("a")!.short).toMatch(/…test_models/);
    expect(extras.get("b")!.short).toMatch(/…test_views/);
    expect(extras.get("c")!.short).toMatch(/^edit · \{not json/);
  });
});

describe("what the overview recognises", () => {
  it("task files and Hugging Face model files are neither reports nor ignored", () => {
    const o = viewOverview(catalog);
    expect(o.reports.map((r) => r.path.slice(run.length))).toEqual(["/eval/report.json"]);
    expect(o.ignored.map((f) => f.path.slice(run.length))).toEqual(["/notes.jsonl"]);
    expect(o.task_files.map((f) => f.slice(run.length))).toEqual(["/tasks.jsonl"]);
    expect(o.models).toEqual([
      { folder: join(run, "model", "trained"), files: ["config.json", "tokenizer_config.json"] },
    ]);
    expect(o.charts.map((c) => c.group)).toEqual(["eval", "eval"]);
  });

  it("training curves are grouped apart from eval's charts", async () => {
    const dir = tempDir("sealign-view-charts-");
    await mkdir(join(dir, "train"));
    await writeFile(join(dir, "train", "rewards-dpo.svg"), "<svg/>");
    await writeFile(join(dir, "train", "loss-sft.svg"), "<svg/>");
    await writeFile(join(dir, "rates.svg"), "<svg/>");
    const o = viewOverview(await Catalog.open([dir]));
    expect(o.charts.map((c) => [c.path.slice(dir.length), c.group])).toEqual([
      ["/rates.svg", "eval"],
      ["/train/loss-sft.svg", "training"],
      ["/train/rewards-dpo.svg", "training"],
    ]);
  });

  it("a task list in a .json file is tasks, not an ignored file", async () => {
    const dir = tempDir("sealign-view-tasks-");
    await writeFile(
      join(dir, "tasks.json"),
      JSON.stringify([{ instance_id: "a__b-1", problem_statement: "x", patch: "diff --git a/x b/x\n" }]),
    );
    const c = await Catalog.open([dir]);
    expect(c.ignored).toEqual([]);
    expect(await c.goldPatch("a__b-1")).toBe("diff --git a/x b/x\n");
    expect(await c.goldPatch("other")).toBeNull();
  });
});

describe("runs without a run id", () => {
  it("are named by their folder (and the file, when it is not trajectories.jsonl)", () => {
    const cwd = process.cwd();
    expect(runLabel(join(cwd, "runs", "base", "trajectories.jsonl"))).toBe("runs/base");
    expect(runLabel(join(cwd, "runs", "base", "trajectories.jsonl.gz"))).toBe("runs/base");
    expect(runLabel(join(cwd, "imports", "swe-agent.jsonl"))).toBe("imports/swe-agent");
    expect(runLabel("/elsewhere/aligned/trajectories.jsonl")).toBe("/elsewhere/aligned");
  });

  it("two folders without run ids are two runs, each keeping its resolved counts", async () => {
    const dir = tempDir("sealign-view-noid-");
    const all = fixtureTrajectories();
    for (const name of ["base", "aligned"]) {
      const mine = all.filter((t) => t.provenance.run_id === `${name}-run`);
      await mkdir(join(dir, name));
      await writeFile(
        join(dir, name, "trajectories.jsonl"),
        `${mine.map((t) => JSON.stringify({ ...t, provenance: { ...t.provenance, run_id: undefined } })).join("\n")}\n`,
      );
    }
    const o = viewOverview(await Catalog.open([dir]));
    const names = o.runs.map((r) => r.run).sort();
    expect(names.every((n) => n.endsWith("/aligned") || n.endsWith("/base"))).toBe(true);
    expect(names).toHaveLength(2);
    expect(o.runs.find((r) => r.run.endsWith("/base"))).toMatchObject({ trajectories: 12, resolved: 3 });
    expect(o.runs.find((r) => r.run.endsWith("/aligned"))).toMatchObject({ trajectories: 9, resolved: 6 });
  });

  it("queryTrajectories alone: a legacy resolved value it does not know is refused", () => {
    expect(() => queryTrajectories([], { resolved: "maybe" })).toThrow(
      /resolved must be true, false or null/,
    );
  });
});
