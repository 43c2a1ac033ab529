import { appendFile, mkdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseJsonLine } from "../src/io/jsonl.js";
import type { Message } from "../src/schema/trajectory.js";
import { Catalog } from "../src/view/catalog.js";
import { indexJsonl, readRecordAt } from "../src/view/line-index.js";
import { viewOverview, viewPairs, viewTasks, viewTrajectories } from "../src/view/queries.js";
import { startViewServer } from "../src/view/server.js";
import { summarizeTrajectory } from "../src/view/summaries.js";
import { tempDir } from "./helpers/paths.js";
import { apiError, getApi } from "./helpers/view-api.js";
import { FIXTURE_TASKS, fixtureTrajectories, writeFixtureRun } from "./helpers/view-fixture.js";

/** GET /api/overview with a given Host header (fetch does not let a test set it). */
function statusWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/overview", headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** The first tool call of an assistant message (undefined for any other message). */
function firstCall(message: Message | null | undefined) {
  return message?.role === "assistant" ? message.tool_calls?.[0] : undefined;
}

let run: string;
let catalog: Catalog;

beforeAll(async () => {
  run = tempDir("sealign-view-");
  await writeFixtureRun(run);
  catalog = await Catalog.open([run]);
});

describe("catalog over a run folder", () => {
  it("finds trajectories, pairs, trees and reports by schema_version and ignores the rest", () => {
    const kinds = catalog.files.map((f) => f.kind).sort();
    expect(kinds.filter((k) => k === "trajectories")).toHaveLength(2);
    expect(kinds).toContain("pairs");
    expect(kinds.filter((k) => k === "trees")).toHaveLength(3);
    expect(catalog.reports.map((r) => r.path.endsWith("report.json"))).toEqual([true]);
    expect(catalog.charts.map((c) => c.path.slice(run.length))).toEqual([
      "/eval/rates.svg",
      "/eval/turns.svg",
    ]);
    expect(catalog.ignored.map((f) => f.path)).toEqual([join(run, "notes.jsonl")]);
    expect(catalog.trajectories).toHaveLength(21);
    expect(catalog.treeTasks).toEqual(FIXTURE_TASKS);
  });

  it("aggregates per run: resolved, empty patch and stuck rates", () => {
    const o = viewOverview(catalog);
    const base = o.runs.find((r) => r.run === "base-run")!;
    const aligned = o.runs.find((r) => r.run === "aligned-run")!;
    expect(base).toMatchObject({
      trajectories: 12,
      tasks: 3,
      resolved: 3,
      unresolved: 9,
      empty_patch: 3,
      stuck: 3,
    });
    expect(aligned).toMatchObject({ trajectories: 9, resolved: 6, empty_patch: 0, stuck: 0 });
    expect(base.exit_reasons).toEqual({ finished: 9, stuck: 3 });
    expect(o.total.trajectories).toBe(21);
    expect(o.total.turns_hist.reduce((a, b) => a + b, 0)).toBe(21);
  });

  it("lists tasks with per-run counts, filtered and paginated", () => {
    const page = viewTasks(catalog, { limit: 2 });
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.task_id)).toEqual(FIXTURE_TASKS.slice(0, 2));
    expect(page.items[0]!.runs).toEqual({ "base-run": [4, 1], "aligned-run": [3, 2] });
    expect(page.items[0]!.has_tree).toBe(true);
    expect(viewTasks(catalog, { q: "python-2" }).items.map((r) => r.task_id)).toEqual([
      "humanevalfix-python-2",
    ]);
    expect(viewTasks(catalog, { offset: 2, limit: 10 }).items).toHaveLength(1);
  });

  it("filters trajectories by task, run and outcome", () => {
    const task = FIXTURE_TASKS[0]!;
    expect(viewTrajectories(catalog, { task }).total).toBe(7);
    expect(viewTrajectories(catalog, { task, run: "aligned-run", resolved: "true" }).total).toBe(2);
    expect(viewTrajectories(catalog, { stuck: true }).rows.every((t) => t.exit_reason === "stuck")).toBe(
      true,
    );
  });

  it("reads one trajectory back from disk by its offset, equal to what was written", async () => {
    const written = fixtureTrajectories().find((t) => t.id === "aligned-run/humanevalfix-python-1/2")!;
    expect(await catalog.trajectory(written.id)).toEqual(written);
    expect(await catalog.trajectory("no-such-id")).toBeUndefined();
  });

  it("filters pairs by task, gap, depth and tool, and matches a node path", async () => {
    const all = viewPairs(catalog);
    expect(all.total).toBe(3);
    expect(all.tools).toContain("str_replace_editor");
    const task = FIXTURE_TASKS[2]!;
    const mine = viewPairs(catalog, { task });
    expect(mine.items.every((p) => p.task_id === task)).toBe(true);
    const path = mine.items[0]!.node_path;
    expect(viewPairs(catalog, { task, nodePath: path }).total).toBe(mine.total);
    expect(viewPairs(catalog, { minGap: 1.01 }).total).toBe(0);
    expect(viewPairs(catalog, { depth: 2 }).total).toBe(all.total);
    expect(viewPairs(catalog, { tool: "finish" }).total).toBe(0);
    expect(viewPairs(catalog, { q: "abs(elem" }).items.map((p) => p.task_id)).toEqual([
      "humanevalfix-python-0",
    ]);
    // The tree's critical node is the pair's decision node; its children are the two sides.
    const tree = (await catalog.tree(task))!;
    const decision = tree.nodes.find((n) => n.critical)!;
    expect(viewPairs(catalog, { node: decision.id }).items.map((p) => p.id)).toEqual([mine.items[0]!.id]);
    const sides = tree.nodes.filter((n) => n.parent === decision.id);
    for (const side of sides) expect(viewPairs(catalog, { side: side.id }).total).toBe(1);
    expect(viewPairs(catalog, { node: sides[0]!.id }).total).toBe(0);
  });

  it("reads trees back with the node fields the client draws", async () => {
    const tree = (await catalog.tree(FIXTURE_TASKS[0]!))!;
    // The tree stage drops the stuck trajectory (its default filters): 6 of 7 remain.
    expect(tree.nodes[0]).toMatchObject({ id: "root", kind: "root", parent: null, visits: 6, successes: 3 });
    expect(tree.nodes).toHaveLength(10);
    const critical = tree.nodes.filter((n) => n.critical);
    expect(critical).toHaveLength(1);
    expect(critical[0]!.label).toBe("execute_bash: cd /workspace && python3 main.py");
    expect(critical[0]!.message?.role).toBe("assistant");
    expect(await catalog.tree("nope")).toBeUndefined();
  });
});

describe("summaries", () => {
  it("count stuck as eval does (same action 3 times in a row), whatever the exit reason says", () => {
    const [t] = fixtureTrajectories().filter((x) => x.outcome.exit_reason === "stuck");
    const plain = { ...t!, outcome: { ...t!.outcome, exit_reason: "finished" as const, labels: [] } };
    expect(summarizeTrajectory(plain, "f").stuck).toBe(true);
    const fixed = fixtureTrajectories().find((x) => x.outcome.resolved)!;
    expect(summarizeTrajectory(fixed, "f")).toMatchObject({
      stuck: false,
      patch: "present",
      added: 1,
      removed: 1,
    });
    expect(summarizeTrajectory(fixed, "f").tools).toEqual(["execute_bash", "finish", "str_replace_editor"]);
  });
});

describe("bad input", () => {
  it("names file and line of a malformed trajectory line, and skips it with skipInvalid", async () => {
    const dir = tempDir("sealign-view-bad-");
    const good = fixtureTrajectories().slice(0, 2);
    const file = join(dir, "t.jsonl");
    await writeFile(
      file,
      `${JSON.stringify(good[0])}\n{"schema_version": "sealign.trajectory/1", "id": \n${JSON.stringify(good[1])}\n`,
    );
    await expect(Catalog.open([file])).rejects.toThrow(`${file}:2: malformed JSON`);
    const skipping = await Catalog.open([file], { skipInvalid: true });
    expect(skipping.trajectories).toHaveLength(2);
    expect(skipping.skipped).toEqual([expect.objectContaining({ file, line: 2 })]);
    expect(await skipping.trajectory(good[1]!.id)).toEqual(good[1]);
  });

  it("names the field of an invalid trajectory", async () => {
    const dir = tempDir("sealign-view-bad-");
    const bad = { ...fixtureTrajectories()[0]!, outcome: { exit_reason: "exploded" } };
    const file = join(dir, "t.jsonl");
    await writeFile(file, `${JSON.stringify(bad)}\n`);
    const error = await Catalog.open([file]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).line).toBe(1);
    expect((error as InputError).field).toBe("outcome.exit_reason");
  });

  it("reports a truncated last line (a write cut off)", async () => {
    const dir = tempDir("sealign-view-bad-");
    const file = join(dir, "t.jsonl");
    const text = JSON.stringify(fixtureTrajectories()[0]);
    await writeFile(file, `${text}\n${text.slice(0, 100)}`);
    await expect(Catalog.open([file])).rejects.toThrow(/t\.jsonl:2: truncated last line/);
  });

  it("refuses a named file that is not sealign's, and a missing path", async () => {
    const dir = tempDir("sealign-view-bad-");
    const file = join(dir, "other.jsonl");
    await writeFile(file, '{"a": 1}\n');
    await expect(Catalog.open([file])).rejects.toThrow(/not a file sealign view can show/);
    await expect(Catalog.open([join(dir, "missing")])).rejects.toThrow(/no such file or folder/);
  });

  it("rejects a tree whose node names a missing parent", async () => {
    const dir = tempDir("sealign-view-bad-");
    await writeFile(
      join(dir, "tree.json"),
      JSON.stringify({
        schema_version: "sealign.tree/1",
        task_id: "t",
        nodes: [{ id: "a", parent: "zz", visits: 1 }],
      }),
    );
    // Tree files are recognised from their head and read when opened: the error comes then.
    const c = await Catalog.open([join(dir, "tree.json")]);
    expect(c.treeTasks).toEqual(["t"]);
    await expect(c.tree("t")).rejects.toThrow(/tree\.json: field nodes\[0\]\.parent/);
  });

  it("finds tree files whatever their key order and task id, reading them whole only then", async () => {
    const dir = tempDir("sealign-view-trees-");
    const nodes = [{ id: "root", parent: null, visits: 2, successes: 1 }];
    // Pretty-printed with task_id first: not the tree stage's head, so it is parsed to classify.
    await writeFile(
      join(dir, "a.json"),
      JSON.stringify({ task_id: "a", schema_version: "sealign.tree/1", nodes }, null, 2),
    );
    // A task id with quotes and a backslash, in the tree stage's own layout.
    const odd = 'weird "id" \\ x';
    await writeFile(
      join(dir, "b.json"),
      JSON.stringify({ schema_version: "sealign.tree/1", task_id: odd, nodes }),
    );
    // The tree index is a report, not a tree.
    await writeFile(
      join(dir, "index.json"),
      JSON.stringify({ schema_version: "sealign.tree-index/1", tasks: [] }),
    );
    const c = await Catalog.open([dir]);
    expect(c.treeTasks.sort()).toEqual(["a", odd].sort());
    expect((await c.tree(odd))!.nodes[0]).toMatchObject({ id: "root", visits: 2, score: 0.5 });
    expect(c.reports.map((r) => r.path)).toEqual([join(dir, "index.json")]);
  });

  it("says so when a file changed on disk after indexing", async () => {
    const dir = tempDir("sealign-view-bad-");
    const file = join(dir, "t.jsonl");
    const t = fixtureTrajectories()[0]!;
    await writeFile(file, `${JSON.stringify(t)}\n`);
    const c = await Catalog.open([file]);
    await writeFile(file, "{}\n");
    await expect(c.trajectory(t.id)).rejects.toThrow(/shorter than when it was indexed/);
  });
});

describe("line index", () => {
  it("gives byte offsets that read each record back, with multi-byte text and CRLF", async () => {
    const dir = tempDir("sealign-view-idx-");
    const file = join(dir, "x.jsonl");
    await writeFile(file, '{"a":"é—✓"}\r\n\n{"b":2}\n');
    await appendFile(file, '{"c":"🙂"}');
    const records = [];
    for await (const r of indexJsonl(file)) records.push(r);
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
    for (const r of records)
      expect(await readRecordAt(file, r)).toEqual(parseJsonLine(file, r.text, r.line, true));
    expect(records.map((r) => r.terminated)).toEqual([true, true, false]);
  });

  it("reads compressed files by streaming to the line", async () => {
    const { gzipSync } = await import("node:zlib");
    const dir = tempDir("sealign-view-idx-");
    const file = join(dir, "x.jsonl.gz");
    await writeFile(file, gzipSync('{"a":1}\n{"b":2}\n'));
    const records = [];
    for await (const r of indexJsonl(file)) records.push(r);
    expect(records[1]).toMatchObject({ line: 2, offset: -1 });
    expect(await readRecordAt(file, records[1]!)).toEqual({ b: 2 });
  });
});

describe("HTTP server", () => {
  it("serves the API and the app on 127.0.0.1, read-only", async () => {
    const server = await startViewServer(catalog);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const overview = await getApi(server.url, "overview");
      expect(overview.total.trajectories).toBe(21);
      const body = await getApi(server.url, "trajectories", `task=${FIXTURE_TASKS[0]}&limit=3&offset=1`);
      expect(body).toMatchObject({ total: 7, offset: 1 });
      expect(body.rows).toHaveLength(3);
      const [first] = body.rows;
      expect(first).not.toHaveProperty("messages"); // summaries only
      const one = await getApi(server.url, "trajectory", `id=${encodeURIComponent(first!.id)}`);
      expect(one.trajectory.messages.length).toBeGreaterThan(3);
      expect(one.summary).toMatchObject({ id: first!.id, task_id: FIXTURE_TASKS[0] });
      expect((await fetch(`${server.url}api/trajectory?id=nope`)).status).toBe(404);
      expect((await fetch(`${server.url}api/tasks?limit=abc`)).status).toBe(400);
      expect((await fetch(`${server.url}api/pairs?node_path=notjson`)).status).toBe(400);
      expect((await fetch(`${server.url}api/overview`, { method: "POST" })).status).toBe(405);
      expect((await fetch(`${server.url}static/../../package.json`)).status).toBe(404);
      expect(await statusWithHost(server.port, "evil.example")).toBe(403);
      expect(await statusWithHost(server.port, `localhost:${server.port}`)).toBe(200);
      const tree = await getApi(server.url, "tree", `task=${FIXTURE_TASKS[0]}`);
      expect(tree.nodes).toHaveLength(10);
      expect(tree.nodes.every((n) => !("message" in n))).toBe(true);
      const critical = tree.nodes.find((n) => n.critical)!;
      const node = await getApi(server.url, "tree-node", `task=${FIXTURE_TASKS[0]}&node=${critical.id}`);
      expect(firstCall(node.message)?.function.name).toBe("execute_bash");
      expect(node.observation_preview).toContain("AssertionError");
      expect((await fetch(`${server.url}api/tree-node?task=${FIXTURE_TASKS[0]}&node=nope`)).status).toBe(404);
      expect((await fetch(`${server.url}api/tree?task=nope`)).status).toBe(404);
      const chart = await fetch(`${server.url}api/chart?index=${catalog.charts[0]!.index}`);
      expect(chart.headers.get("content-type")).toBe("image/svg+xml");
      expect(await chart.text()).toMatch(/^<svg|<\?xml/);
      expect((await fetch(`${server.url}api/chart?index=0`)).status).toBe(404); // a trajectory file, not a chart
      const html = await fetch(server.url);
      expect(html.headers.get("content-type")).toMatch(/text\/html/);
      expect(await html.text()).toContain("/static/app.js");
      expect((await fetch(`${server.url}static/app.js`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("a run without tree and pair files", () => {
  it("builds a task's tree and pairs on request with the tree stage's library", async () => {
    const dir = tempDir("sealign-view-notree-");
    const trajectories = fixtureTrajectories();
    await writeFile(
      join(dir, "trajectories.jsonl"),
      trajectories.map((t) => `${JSON.stringify(t)}\n`).join(""),
    );
    const c = await Catalog.open([dir]);
    expect(c.treeTasks).toEqual([]);
    const server = await startViewServer(c);
    try {
      const task = FIXTURE_TASKS[1]!;
      const tree = await getApi(server.url, "tree", `task=${task}`);
      expect(tree.info.built_by_view).toBe(true);
      expect(tree.nodes).toHaveLength(10);
      const critical = tree.nodes.find((n) => n.critical)!;
      const pairs = await getApi(server.url, "pairs", `task=${task}&node=${critical.id}`);
      expect(pairs.total).toBe(1);
      const pair = await getApi(server.url, "pair", `id=${encodeURIComponent(pairs.items[0]!.id)}`);
      expect(firstCall(pair.chosen[0])?.function.arguments).toContain("current_depth == 0");
      // Pair files are not invented: the pairs list of the run stays empty.
      expect((await getApi(server.url, "pairs")).total).toBe(0);
      expect((await fetch(`${server.url}api/tree?task=nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe("HTTP server when files change under it", () => {
  it("answers 500 with the reason when a record's file is gone, and keeps serving", async () => {
    const dir = tempDir("sealign-view-gone-");
    const file = join(dir, "t.jsonl");
    const [a] = fixtureTrajectories();
    await writeFile(file, `${JSON.stringify(a)}\n`);
    const server = await startViewServer(await Catalog.open([file]));
    try {
      await rm(file);
      const res = await fetch(`${server.url}api/trajectory?id=${encodeURIComponent(a!.id)}`);
      expect(res.status).toBe(500);
      expect(await apiError(res)).toMatch(/ENOENT/);
      expect((await fetch(`${server.url}api/overview`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe("discovery edge cases", () => {
  it("passes over a malformed stranger inside a folder but lists it", async () => {
    const dir = tempDir("sealign-view-disc-");
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "broken.jsonl"), "{nope\n");
    await writeFile(join(dir, "t.jsonl"), `${JSON.stringify(fixtureTrajectories()[0])}\n`);
    const c = await Catalog.open([dir]);
    expect(c.trajectories).toHaveLength(1);
    expect(c.ignored[0]!.reason).toMatch(/broken\.jsonl:1: malformed JSON/);
  });
});
