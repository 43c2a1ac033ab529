import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { analyseTask } from "../src/pairs/analyse.js";
import type { TaskResult } from "../src/pairs/engine.js";
import { type CorpusOptions, runCorpus, UnsortedInputError } from "../src/pairs/run.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { prng, randomCorpus } from "./fixtures/tree/random.js";
import { tempDir } from "./helpers/paths.js";

const BASE: CorpusOptions = {
  analyse: { filters: { isolated: false }, ablation: {} },
  skipInvalid: false,
  output: { pairs: true, ablation: true, tree: false },
  workers: 0,
};

/** A sink that records results (a test double of the command's writers). */
function recordingSink() {
  const sink = {
    results: [] as TaskResult[],
    resets: 0,
    task(result: TaskResult) {
      sink.results.push(result);
    },
    reset() {
      sink.resets++;
      sink.results = [];
    },
  };
  return sink;
}

/** What one task should give: the task's records in file order, analysed directly. */
function expected(lines: Trajectory[], options = BASE) {
  const order: string[] = [];
  const byTask = new Map<string, Trajectory[]>();
  for (const t of lines) {
    if (!byTask.has(t.task_id)) order.push(t.task_id);
    byTask.set(t.task_id, [...(byTask.get(t.task_id) ?? []), t]);
  }
  return order.map((taskId) => {
    const a = analyseTask(taskId, byTask.get(taskId) ?? [], { ...options.analyse, ablation: {} });
    return {
      taskId,
      pairs: a.pairs.map((p) => `${JSON.stringify(p)}\n`).join(""),
      ablation: a.trajectoryPairs.map((p) => `${JSON.stringify(p)}\n`).join(""),
    };
  });
}

const view = (results: TaskResult[]) =>
  results.map(({ taskId, pairs, ablation }) => ({ taskId, pairs, ablation }));

function corpusFile(trajectories: Trajectory[], name = "corpus.jsonl", eol = "\n"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, trajectories.map((t) => JSON.stringify(t)).join(eol) + eol);
  return path;
}

describe("corpus runs", () => {
  const corpus = randomCorpus(7, 12, 9);

  it("gives each task exactly its direct analysis, whatever the segment size (sorted input streams)", async () => {
    const file = corpusFile(corpus);
    const want = expected(corpus);
    expect(want.some((w) => w.pairs.length > 0)).toBe(true);
    for (const segmentBytes of [97, 1000, 7919, 1 << 30]) {
      const sink = recordingSink();
      const summary = await runCorpus([file], { ...BASE, segmentBytes }, sink);
      expect(summary.order).toBe("sorted");
      expect(summary.tasks).toBe(12);
      expect(view(sink.results)).toEqual(want);
    }
  });

  it("groups unsorted input through an index (auto switches, sorted refuses)", async () => {
    const random = prng(3);
    const shuffled = [...corpus].sort(() => random() - 0.5);
    const file = corpusFile(shuffled);
    const want = expected(shuffled);
    for (const order of ["auto", "unsorted"] as const) {
      const sink = recordingSink();
      const summary = await runCorpus([file], { ...BASE, order, segmentBytes: 2000 }, sink);
      expect(summary.order).toBe("unsorted");
      expect(view(sink.results)).toEqual(want);
      if (order === "auto") expect(sink.resets).toBe(1);
    }
    await expect(runCorpus([file], { ...BASE, order: "sorted" }, recordingSink())).rejects.toBeInstanceOf(
      UnsortedInputError,
    );
  });

  it("renders trees with auto order on interleaved input exactly as with unsorted order (default filters)", async () => {
    // Regression: the sorted attempt renders each run of a task's records before it can know
    // that the task comes back later; a run of one record is isolated (filtered out), and
    // rendering the resulting empty tree threw "tree node without trajectories".
    const random = prng(9);
    const shuffled = [...corpus].sort(() => random() - 0.5);
    const file = corpusFile(shuffled);
    const options: CorpusOptions = {
      analyse: {},
      skipInvalid: false,
      output: { pairs: true, ablation: false, tree: true },
      workers: 0,
    };
    const unsorted = recordingSink();
    await runCorpus([file], { ...options, order: "unsorted" }, unsorted);
    expect(unsorted.results).toHaveLength(12);
    for (const segmentBytes of [1500, 1 << 30]) {
      const auto = recordingSink();
      const summary = await runCorpus([file], { ...options, order: "auto", segmentBytes }, auto);
      expect(summary.order).toBe("unsorted");
      expect(auto.resets).toBe(1);
      expect(auto.results).toEqual(unsorted.results);
    }
  });

  it("writes a tree with an empty root for a task whose trajectories are all filtered out", async () => {
    // A task's only trajectory is isolated; an unscored one never enters the tree.
    const only = corpus.filter((t) => t.task_id === corpus[0]?.task_id).slice(0, 1);
    const unscored = { ...only[0], id: "x#1", task_id: "x", outcome: { resolved: null } } as Trajectory;
    const sink = recordingSink();
    await runCorpus(
      [corpusFile([...only, unscored])],
      { analyse: {}, skipInvalid: false, output: { pairs: true, ablation: false, tree: true }, workers: 0 },
      sink,
    );
    expect(sink.results.map((r) => [r.stats.isolated, r.stats.unscored, r.stats.kept])).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    for (const result of sink.results) {
      const tree = JSON.parse(result.tree ?? "null");
      expect(tree.nodes).toEqual([
        expect.objectContaining({ id: "root", kind: "root", ref: null, visits: 0, trajectory_ids: [] }),
      ]);
      expect(tree.trajectories).toEqual([]);
      expect(result.pairs).toBe("");
    }
  });

  it("reads CRLF, blank lines and gzip, and takes several files", async () => {
    const half = corpus.findIndex((t) => t.task_id === corpus[60]?.task_id);
    const crlf = corpusFile(corpus.slice(0, half), "a.jsonl", "\r\n\r\n");
    const gz = join(tempDir(), "b.jsonl.gz");
    writeFileSync(
      gz,
      gzipSync(
        `${corpus
          .slice(half)
          .map((t) => JSON.stringify(t))
          .join("\n")}\n`,
      ),
    );
    const sink = recordingSink();
    const summary = await runCorpus([crlf, gz], { ...BASE, segmentBytes: 1500 }, sink);
    expect(summary.order).toBe("sorted");
    expect(view(sink.results)).toEqual(expected(corpus));
    // Errors in a compressed file name it, not its temporary decompressed copy.
    const badGz = join(tempDir(), "bad.jsonl.gz");
    writeFileSync(badGz, gzipSync(`${JSON.stringify(corpus[0])}\n{"id": \n`));
    await expect(runCorpus([badGz], BASE, recordingSink())).rejects.toThrow(
      /bad\.jsonl\.gz:2: malformed JSON/,
    );
    const skipped = await runCorpus([badGz], { ...BASE, skipInvalid: true }, recordingSink());
    expect(skipped.skipped.reasons[0]).toMatchObject({ file: badGz, line: 2 });
  });

  it("names file and line of a malformed record, or skips and counts it", async () => {
    const lines = corpus.slice(0, 30).map((t) => JSON.stringify(t));
    lines.splice(12, 0, '{"schema_version": "sealign.trajectory/1", "id": ');
    lines.splice(20, 0, JSON.stringify({ ...corpus[0], outcome: { resolved: "yes" } }));
    const path = join(tempDir(), "bad.jsonl");
    writeFileSync(path, `${lines.join("\n")}\n`);
    for (const segmentBytes of [500, 1 << 30]) {
      const error = await runCorpus([path], { ...BASE, segmentBytes }, recordingSink()).catch((e) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).line).toBe(13);
      expect((error as Error).message).toMatch(/bad\.jsonl:13: malformed JSON/);
      const sink = recordingSink();
      const summary = await runCorpus([path], { ...BASE, segmentBytes, skipInvalid: true }, sink);
      expect(summary.skipped.reasons.map((r) => r.line)).toEqual([13, 21]);
      expect(summary.skipped.reasons[1]?.message).toMatch(/field outcome.resolved/);
      expect(summary.order).toBe("sorted");
      expect(view(sink.results)).toEqual(expected(corpus.slice(0, 30)));
    }
  });

  it("reports a truncated last line (a write cut off) and a missing file", async () => {
    const path = join(tempDir(), "cut.jsonl");
    const text = corpus
      .slice(0, 5)
      .map((t) => JSON.stringify(t))
      .join("\n");
    writeFileSync(path, text.slice(0, -40));
    const error = await runCorpus([path], BASE, recordingSink()).catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).line).toBe(5);
    await expect(runCorpus([join(tempDir(), "none.jsonl")], BASE, recordingSink())).rejects.toThrow(
      /no such file/,
    );
  });

  it("gives the same results with the light structural check (--fast) and rejects what it checks", async () => {
    const file = corpusFile(corpus);
    const sink = recordingSink();
    await runCorpus([file], { ...BASE, validation: "light" }, sink);
    expect(view(sink.results)).toEqual(expected(corpus));
    const bad = corpusFile([{ ...corpus[0], outcome: { resolved: "yes" } } as unknown as Trajectory]);
    await expect(runCorpus([bad], { ...BASE, validation: "light" }, recordingSink())).rejects.toThrow(
      /:1: field outcome.resolved/,
    );
    const badCall = structuredClone(corpus[0]) as Trajectory;
    (badCall.messages[2] as { tool_calls: unknown }).tool_calls = [{ id: "x", function: { name: 3 } }];
    await expect(
      runCorpus([corpusFile([badCall])], { ...BASE, validation: "light" }, recordingSink()),
    ).rejects.toThrow(/field messages\[2\]\.tool_calls\[0\]\.function/);
  });
});
