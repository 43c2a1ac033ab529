import { describe, expect, it } from "vitest";
import { analyseTask } from "../src/pairs/analyse.js";
import { treeCorpusStats } from "../src/pairs/stats.js";
import type { Pair } from "../src/schema/pair.js";
import { parsePair } from "../src/schema/validate.js";
import { type StepSpec, trajectory } from "./fixtures/tree/build.js";

type Run = [id: string, steps: StepSpec[], resolved: boolean | null];
const NO_FILTERS = { dedupe: false, stuck: false, isolated: false };

function analyse(runs: Run[], options: Parameters<typeof analyseTask>[2] = {}) {
  const trajectories = runs.map(([id, s, r]) => trajectory("T", id, s, r));
  return { trajectories, ...analyseTask("T", trajectories, { filters: NO_FILTERS, ...options }) };
}

const commandOf = (pair: Pair, side: "chosen" | "rejected") => {
  const message = pair[side][0];
  return message?.role === "assistant"
    ? JSON.parse(message.tool_calls?.[0]?.function.arguments ?? "{}").command
    : null;
};
const summary = (pairs: Pair[]) =>
  pairs.map(
    (p) =>
      `${p.meta.depth}: ${commandOf(p, "chosen")} ${p.meta.chosen_score} > ${commandOf(p, "rejected")} ${p.meta.rejected_score}`,
  );

describe("critical decisions and pairs", () => {
  it("finds the decisions of a hand-built tree with their scores", () => {
    const a = analyse([
      ["a", ["ls", "cat x", "fix1"], true],
      ["b", ["ls", "cat x", "fix2"], false],
      ["c", ["ls", "grep y", "fix2"], false],
      ["d", ["ls", "cat x", "fix1"], true],
    ]);
    // After ls: cat x 2/3 vs grep y 0/1 (gap 0.67); after cat x: fix1 2/2 vs fix2 0/1 (gap 1).
    expect(summary(a.pairs)).toEqual(["1: cat x 0.6666666666666666 > grep y 0", "2: fix1 1 > fix2 0"]);
    expect(a.decisions).toHaveLength(2);
    const last = a.pairs[1] as Pair;
    expect(last.meta).toMatchObject({
      depth: 2,
      gap: 1,
      parent_visits: 3,
      chosen_visits: 2,
      rejected_visits: 1,
      chosen_trajectory_ids: ["a", "d"],
      rejected_trajectory_ids: ["b"],
      chosen_tools: ["execute_bash"],
      rejected_tools: ["execute_bash"],
    });
    expect(last.meta.node_path).toHaveLength(3); // prompt, ls, cat x
    expect(last.meta.node_path.at(-1)).toBe(last.meta.decision_node_id);
  });

  it("builds pairs in TRL shape: the chosen run's own prefix and the two actions exactly as produced", () => {
    const a = analyse([
      [
        "a",
        [
          ["ls", "files"],
          ["cat x", "content", "I read x"],
          ["fix1", "ok", "Fix it this way"],
        ],
        true,
      ],
      [
        "b",
        [
          ["ls", "files"],
          ["cat x", "content", "Reading x now"],
          ["fix2", "fail", "Or that way"],
        ],
        false,
      ],
    ]);
    expect(a.pairs).toHaveLength(1);
    const pair = parsePair(JSON.parse(JSON.stringify(a.pairs[0])));
    const [runA, runB] = a.trajectories as [(typeof a.trajectories)[0], (typeof a.trajectories)[0]];
    // prompt = a's messages up to its third assistant message (system, user, 2 x (assistant, tool)).
    expect(pair.prompt).toEqual(runA.messages.slice(0, 6));
    expect(pair.chosen).toEqual([runA.messages[6]]);
    expect(pair.rejected).toEqual([runB.messages[6]]);
    expect(pair.tools).toEqual(runA.tools);
    expect(pair.kind).toBe("critical");
    expect(pair.meta.chosen_source).toBe("a");
    expect(pair.meta.rejected_source).toBe("b");
  });

  it("takes a decision at the first step (prompt only) and at the last step", () => {
    const first = analyse([
      ["a1", ["good", "x"], true],
      ["a2", ["good", "y"], true],
      ["b1", ["bad", "x"], false],
      ["b2", ["bad", "z"], false],
    ]);
    expect(summary(first.pairs)).toEqual(["0: good 1 > bad 0"]);
    expect((first.pairs[0] as Pair).prompt.map((m) => m.role)).toEqual(["system", "user"]);
    const last = analyse([
      ["a", ["ls", "cat", "right"], true],
      ["b", ["ls", "cat", "wrong"], false],
    ]);
    expect(summary(last.pairs)).toEqual(["2: right 1 > wrong 0"]);
  });

  it("has no decisions in single-child chains, all-success and all-failure tasks", () => {
    expect(
      analyse([
        ["a", ["ls", "cat"], true],
        ["b", ["ls", "cat"], false],
      ]).decisions,
    ).toHaveLength(0);
    expect(
      analyse([
        ["a", ["ls", "x"], true],
        ["b", ["ls", "y"], true],
      ]).pairs,
    ).toHaveLength(0);
    expect(
      analyse([
        ["a", ["ls", "x"], false],
        ["b", ["ls", "y"], false],
      ]).pairs,
    ).toHaveLength(0);
  });

  it("needs a gap strictly above the threshold (ties and exact gaps do not count)", () => {
    // After ls: cat 1/2 vs grep 0/1: gap exactly 0.5.
    const runs: Run[] = [
      ["a", ["ls", "cat", "x"], true],
      ["b", ["ls", "cat", "y"], false],
      ["c", ["ls", "grep"], false],
    ];
    expect(summary(analyse(runs).pairs)).toEqual(["2: x 1 > y 0"]);
    expect(summary(analyse(runs, { critical: { threshold: 0.4 } }).pairs)).toEqual([
      "1: cat 0.5 > grep 0",
      "2: x 1 > y 0",
    ]);
    // 2/3 vs 1/6 is exactly 0.5 too, though floating point says 0.49999999999999994 or 0.5.
    const sixths: Run[] = [
      ["a1", ["A", "1"], true],
      ["a2", ["A", "2"], true],
      ["a3", ["A", "3"], false],
      ...[1, 2, 3, 4, 5, 6].map((i): Run => [`b${i}`, ["B", `${i}`], i === 1]),
    ];
    expect(analyse(sixths).decisions.filter((d) => d.node.depth === 0)).toHaveLength(0);
    // Equal scores never pair, whatever the threshold.
    expect(
      analyse(
        [
          ["a", ["A"], true],
          ["b", ["B"], true],
        ],
        { critical: { threshold: 0 } },
      ).pairs,
    ).toHaveLength(0);
  });

  it("pools children that took the same action but saw different observations", () => {
    const a = analyse([
      ["a", [["pytest", "1 passed"], "done"], true],
      ["b", [["pytest", "ImportError"], "done"], false],
      ["c", ["other", "done"], false],
      ["d", ["other", "x"], false],
    ]);
    // pytest pooled: 1/2 vs other 0/2: gap 0.5, not critical; never pytest vs pytest.
    expect(a.decisions.filter((d) => d.node.depth === 0)).toHaveLength(0);
    const b = analyse(
      [
        ["a", [["pytest", "1 passed"], "done"], true],
        ["b", [["pytest", "ImportError"], "done"], true],
        ["c", ["other", "done"], false],
      ],
      {},
    );
    expect(summary(b.pairs)).toEqual(["0: pytest 1 > other 0"]);
    expect((b.pairs[0] as Pair).meta.chosen_node_ids).toHaveLength(2);
    expect((b.pairs[0] as Pair).meta.chosen_visits).toBe(2);
  });

  it("selects all, extremes or at most N pairs per node, largest gap first", () => {
    const runs: Run[] = [
      ["a", ["A"], true],
      ["b1", ["B", "1"], true],
      ["b2", ["B", "2"], false],
      ["c", ["C"], false],
    ];
    const all = analyse(runs, { critical: { threshold: 0.4 } });
    // (B's own children 1 and 2 make a second decision at depth 1.)
    expect(summary(all.pairs)).toEqual(["0: A 1 > C 0", "0: A 1 > B 0.5", "0: B 0.5 > C 0", "1: 1 1 > 2 0"]);
    expect(summary(analyse(runs, { critical: { threshold: 0.4, pairs: "extremes" } }).pairs)).toEqual([
      "0: A 1 > C 0",
      "1: 1 1 > 2 0",
    ]);
    expect(analyse(runs, { critical: { threshold: 0.4, maxPerNode: 2 } }).pairs).toHaveLength(3);
    // The node stays critical whatever the cap.
    expect(analyse(runs, { critical: { threshold: 0.4, maxPerNode: 1 } }).decisions).toHaveLength(2);
  });

  it("ignores thinly visited children with minVisits and requires disjoint Wilson intervals with confidence", () => {
    const thin: Run[] = [
      ["a", ["A", "1"], true],
      ["b", ["B", "1"], false],
      ["b2", ["B", "2"], false],
    ];
    expect(analyse(thin).pairs).toHaveLength(1);
    expect(analyse(thin, { critical: { minVisits: 2 } }).pairs).toHaveLength(0);
    expect(analyse(thin, { critical: { confidence: 0.95 } }).pairs).toHaveLength(0);
    const strong: Run[] = [];
    for (let i = 0; i < 10; i++) strong.push([`a${i}`, ["A", `${i}`], true], [`b${i}`, ["B", `${i}`], false]);
    const confident = analyse(strong, { critical: { confidence: 0.95, minVisits: 10 } });
    expect(confident.pairs).toHaveLength(1);
    const meta = (confident.pairs[0] as Pair).meta as Record<string, unknown>;
    const [, rejectedHigh] = meta.rejected_interval as [number, number];
    expect((meta.chosen_interval as [number, number])[0]).toBeGreaterThan(rejectedHigh);
  });

  it("rejects bad options", () => {
    expect(() => analyse([], { critical: { threshold: 1 } })).toThrow(RangeError);
    expect(() => analyse([], { critical: { minVisits: 0 } })).toThrow(RangeError);
    expect(() => analyse([], { critical: { maxPerNode: 0 } })).toThrow(RangeError);
    expect(() => analyse([], { filters: { stuckRepeats: 1 } })).toThrow(RangeError);
  });
});

describe("pairs from prefixes the tree merged", () => {
  it("say when the rejected side's prefix differed from the pair's prompt (volatile output, thoughts)", () => {
    // the same first step, whose output differs only in a timing: the tree merges them
    const good = trajectory(
      "T",
      "good",
      [
        ["pytest", "1 failed in 0.12s", "run"],
        ["fix", "ok", "fix"],
      ],
      true,
    );
    const bad = trajectory(
      "T",
      "bad",
      [
        ["pytest", "1 failed in 0.57s", "run"],
        ["give up", "ok", "fix"],
      ],
      false,
    );
    const [pair] = analyseTask("T", [good, bad]).pairs;
    expect(pair?.meta.depth).toBe(1);
    expect(pair?.meta.prompt_varies).toBe(true);
    // the prompt is the chosen side's own prefix
    expect(JSON.stringify(pair?.prompt)).toContain("0.12s");
    const same = trajectory(
      "T",
      "same",
      [
        ["pytest", "1 failed in 0.12s", "run"],
        ["give up", "ok", "fix"],
      ],
      false,
    );
    const [exact] = analyseTask("T", [good, same]).pairs;
    expect(exact?.meta.prompt_varies).toBe(false);
  });
});

describe("filters", () => {
  const runs: Run[] = [
    ["a", ["ls", "x"], true],
    ["a-copy", ["ls", "x"], true],
    ["loop", ["ls", "cat", "cat", "cat"], false],
    ["lonely", ["rm -rf /", "x"], false],
    ["b", ["ls", "y"], false],
    ["nothing", ["ls", "z"], null],
  ];

  it("drops exact duplicates, stuck and isolated trajectories in that order, and counts each", () => {
    const trajectories = runs.map(([id, s, r]) => trajectory("T", id, s, r));
    // a-copy differs from a only in its id and tool-call ids: make its messages identical.
    (trajectories[1] as { messages: unknown }).messages = structuredClone(trajectories[0]?.messages);
    const result = analyseTask("T", trajectories);
    expect(result.filtered.unscored.map((v) => v.id)).toEqual(["nothing"]);
    expect(result.filtered.duplicates.map((v) => v.id)).toEqual(["a-copy"]);
    expect(result.filtered.stuck.map((v) => v.id)).toEqual(["loop"]);
    expect(result.filtered.isolated.map((v) => v.id)).toEqual(["lonely"]);
    expect(result.filtered.kept.map((v) => v.id)).toEqual(["a", "b"]);
    expect(result.stats).toMatchObject({
      read: 6,
      unscored: 1,
      duplicates: 1,
      stuck: 1,
      isolated: 1,
      kept: 2,
    });
    // Each filter can be switched off.
    const none = analyseTask("T", trajectories, {
      filters: { dedupe: false, stuck: false, isolated: false },
    });
    expect(none.filtered.kept).toHaveLength(5);
    const noDedupe = analyseTask("T", trajectories, { filters: { dedupe: false } });
    expect(noDedupe.filtered.duplicates).toHaveLength(0);
    expect(noDedupe.filtered.kept.map((v) => v.id)).toEqual(["a", "a-copy", "b"]);
  });

  it("calls trajectories duplicates when only their made-up tool-call ids differ (as action keys do)", () => {
    // the same thoughts (the fixture's default thought names the trajectory)
    const steps: StepSpec[] = [
      ["ls", "out:ls", "look"],
      ["x", "out:x", "fix"],
    ];
    const a = trajectory("T", "a", steps, true);
    const b = trajectory("T", "b", steps, true);
    const ids = (t: typeof a) =>
      t.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.id) : []));
    expect(ids(a)).not.toEqual(ids(b)); // the fixture makes ids per trajectory
    const result = analyseTask("T", [a, b]);
    expect(result.filtered.duplicates.map((v) => v.id)).toEqual(["b"]);
    // ids still tie each result to its call: a tool message answering another call is a difference
    const c = structuredClone(b);
    c.id = "c";
    const answer = c.messages.find((m) => m.role === "tool");
    if (answer?.role === "tool") answer.tool_call_id = "call_elsewhere";
    expect(analyseTask("T", [a, c]).filtered.duplicates).toHaveLength(0);
  });

  it("does not call trajectories duplicates when only their outcome or a thought differs", () => {
    const x = trajectory("T", "x", ["ls", "a"], true);
    const y = { ...trajectory("T", "y", ["ls", "a"], false), messages: structuredClone(x.messages) };
    const z = trajectory("T", "z", [["ls", "out:ls", "other thought"], "a"], true);
    const result = analyseTask("T", [x, y, z]);
    expect(result.filtered.duplicates).toHaveLength(0);
  });
});

describe("ablation and statistics", () => {
  it("pairs whole successful and failed trajectories of a task, each used once", () => {
    const a = analyse(
      [
        ["s1", ["ls", "x"], true],
        ["f1", ["ls", "y"], false],
        ["f2", ["ls", "z"], false],
        ["s2", ["ls", "w"], true],
        ["f3", ["ls", "v"], false],
      ],
      { ablation: {} },
    );
    expect(
      a.trajectoryPairs.map((p) => [p.meta.chosen_trajectory_ids[0], p.meta.rejected_trajectory_ids[0]]),
    ).toEqual([
      ["s1", "f1"],
      ["s2", "f2"],
    ]);
    const pair = parsePair(JSON.parse(JSON.stringify(a.trajectoryPairs[0])));
    expect(pair.kind).toBe("trajectory");
    expect(pair.prompt.map((m) => m.role)).toEqual(["system", "user"]);
    expect(pair.chosen.map((m) => m.role)).toEqual(["assistant", "tool", "assistant", "tool"]);
    expect(a.stats.trajectory_pairs).toBe(2);
  });

  it("sums task figures into Table-1 shaped corpus statistics", () => {
    const one = analyse([
      ["a", ["ls", "cat", "fix1"], true],
      ["b", ["ls", "cat", "fix2"], false],
      ["c", ["ls", "grep", "fix2"], false],
      ["d", ["ls", "cat", "fix1"], true],
    ]).stats;
    const two = analyse([
      ["e", ["pwd"], true],
      ["f", ["pwd"], true],
    ]).stats;
    const corpus = treeCorpusStats([one, two]);
    expect(corpus).toMatchObject({
      tasks: 2,
      tasks_with_pairs: 1,
      trajectories: { read: 6, after_filtering: 6, successful: 4, failed: 2 },
      critical_nodes: 2,
      pairs: 2,
      mean_path_length: 14 / 6,
      nodes: 6 + 1,
      first_divergence_depth: { mean: 1, median: 1, tasks: 1 },
      pairs_per_task: { mean: 1, median: 1, max: 2 },
    });
    // Inner nodes: prompt(1 child), ls(2), cat(2), grep(1) | prompt(1): 7 children / 5 nodes.
    expect(corpus.branching_factor).toBeCloseTo(7 / 5);
    expect(corpus.branching_factor_at_branches).toBe(2);
    expect(corpus.mean_tokens).toBeNull();
  });
});
