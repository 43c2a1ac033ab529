import { describe, expect, it } from "vitest";
import { analyseTask, type TaskAnalysis } from "../src/pairs/analyse.js";
import type { CriticalOptions } from "../src/pairs/critical.js";
import { parsePair } from "../src/schema/validate.js";
import type { TreeNode } from "../src/tree/tree.js";
import { prng, randomTask } from "./fixtures/tree/random.js";

const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);

function tasksFor(seed: number) {
  const random = prng(seed);
  return Array.from({ length: 4 }, (_, t) =>
    randomTask(`s${seed}t${t}`, 4 + Math.floor(random() * 12), random),
  );
}

function analyseAll(
  seed: number,
  critical: CriticalOptions = {},
  merge: "observation" | "action" = "observation",
) {
  return tasksFor(seed).map((ts) =>
    analyseTask(ts[0]?.task_id ?? "none", ts, { critical, tree: { merge }, filters: { isolated: false } }),
  );
}

const count = (analyses: TaskAnalysis[], f: (a: TaskAnalysis) => number) =>
  analyses.reduce((n, a) => n + f(a), 0);

describe("tree and pair properties on random corpora", () => {
  it("every node's score is successes / leaves of its subtree", () => {
    for (const seed of SEEDS) {
      for (const a of analyseAll(seed)) {
        const lazyNodes = a.stats.nodes;
        a.tree.materialise();
        let stepNodes = 0;
        for (const node of a.tree.nodes()) {
          if (node.kind === "step") stepNodes++;
          // Leaves below = trajectories through the node (each ends at exactly one node).
          const leaves = node.trajectories.length;
          const successes = node.trajectories.filter((v) => v.resolved === true).length;
          expect(node.visits).toBe(leaves);
          expect(node.successes).toBe(successes);
          const children = node.children as TreeNode[];
          expect(node.visits).toBe(children.reduce((n, c) => n + c.visits, 0) + node.ends);
          expect(node.successes).toBe(
            children.reduce((n, c) => n + c.successes, 0) +
              node.trajectories.filter((v) => v.length === node.depth && node.kind !== "root" && v.resolved)
                .length,
          );
          if (leaves > 0) expect(node.score).toBeCloseTo(successes / leaves, 12);
        }
        // The lazily counted node total equals the materialised one.
        expect(stepNodes).toBe(lazyNodes);
      }
    }
  });

  it("every pair's sides share a byte-identical prefix and a gap above the threshold", () => {
    for (const seed of SEEDS) {
      for (const threshold of [0, 0.3, 0.5]) {
        for (const a of analyseAll(seed, { threshold })) {
          const byId = new Map(a.tree.views.map((v) => [v.id, v]));
          for (const raw of a.pairs) {
            const pair = parsePair(JSON.parse(JSON.stringify(raw)));
            const chosen = byId.get(pair.meta.chosen_source as string);
            const rejected = byId.get(pair.meta.rejected_source as string);
            if (!chosen || !rejected) throw new Error("pair sources must be trajectories of the task");
            const depth = pair.meta.depth;
            expect(JSON.stringify(pair.prompt)).toBe(JSON.stringify(chosen.prefix(depth)));
            expect(JSON.stringify(pair.chosen[0])).toBe(JSON.stringify(chosen.assistantMessage(depth)));
            expect(JSON.stringify(pair.rejected[0])).toBe(JSON.stringify(rejected.assistantMessage(depth)));
            // Both sides came through the same decision node: same merged history.
            const decision = [...a.tree.nodes()].find((n) => n.id === pair.meta.decision_node_id);
            expect(decision?.trajectories).toContain(chosen);
            expect(decision?.trajectories).toContain(rejected);
            expect(chosen.key(depth)).not.toBe(rejected.key(depth));
            expect(pair.meta.gap).toBeGreaterThan(threshold);
            expect(pair.meta.gap).toBeCloseTo(pair.meta.chosen_score - pair.meta.rejected_score, 12);
          }
        }
      }
    }
  });

  it("raising --threshold or --min-visits, or asking for confidence, never adds pairs or critical nodes", () => {
    let moved = 0;
    for (const seed of SEEDS) {
      let previousPairs = Number.POSITIVE_INFINITY;
      let previousCritical = Number.POSITIVE_INFINITY;
      for (const threshold of [0, 0.2, 0.4, 0.5, 0.6, 0.8, 0.95]) {
        const runs = analyseAll(seed, { threshold });
        const pairs = count(runs, (a) => a.pairs.length);
        const critical = count(runs, (a) => a.decisions.length);
        expect(pairs).toBeLessThanOrEqual(previousPairs);
        expect(critical).toBeLessThanOrEqual(previousCritical);
        if (pairs < previousPairs && previousPairs !== Number.POSITIVE_INFINITY) moved++;
        previousPairs = pairs;
        previousCritical = critical;
      }
      let previous = Number.POSITIVE_INFINITY;
      for (const minVisits of [1, 2, 3, 5]) {
        const pairs = count(analyseAll(seed, { minVisits }), (a) => a.pairs.length);
        expect(pairs).toBeLessThanOrEqual(previous);
        previous = pairs;
      }
      const plain = count(analyseAll(seed), (a) => a.pairs.length);
      expect(count(analyseAll(seed, { confidence: 0.9 }), (a) => a.pairs.length)).toBeLessThanOrEqual(plain);
    }
    // The corpora are rich enough for the threshold to matter.
    expect(moved).toBeGreaterThan(5);
  });

  it("merging on actions alone never gives more nodes than merging on observations", () => {
    for (const seed of SEEDS) {
      const byObservation = count(analyseAll(seed), (a) => a.stats.nodes);
      const byAction = count(analyseAll(seed, {}, "action"), (a) => a.stats.nodes);
      expect(byAction).toBeLessThanOrEqual(byObservation);
    }
  });
});
