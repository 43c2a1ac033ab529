import { describe, expect, it } from "vitest";
import { importFile } from "../src/importers/index.js";
import { analyseTask } from "../src/pairs/analyse.js";
import { steps } from "../src/schema/steps.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { parsePair, parseTrajectory } from "../src/schema/validate.js";
import { sharedData } from "./helpers/paths.js";

const SAMPLES = [
  "trajectories/openhands-output.jsonl",
  "trajectories/swe-agent-test-repo-i1.traj",
  "trajectories/mini-swe-agent-github_issue.traj.json",
];

async function importAll(): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for (const sample of SAMPLES) for await (const t of importFile(sharedData(sample))) out.push(t);
  return out;
}

/**
 * A second and third run of the same task made from a real one: one identical up to step k
 * that then does something else and fails, one identical to the end that succeeds.
 */
function variants(real: Trajectory, k: number): Trajectory[] {
  const s = steps(real);
  const cut = (s[k] as { messageIndex: number }).messageIndex;
  const good = parseTrajectory({
    ...structuredClone(real),
    id: `${real.id}/good`,
    outcome: { resolved: true },
  });
  const bad = structuredClone(real);
  bad.messages = bad.messages.slice(0, cut);
  bad.messages.push({
    role: "assistant",
    content: "I will stop here.",
    tool_calls: [
      { id: "v-1", type: "function", function: { name: "finish", arguments: '{"message":"done"}' } },
    ],
  });
  const failed = parseTrajectory({ ...bad, id: `${real.id}/bad`, outcome: { resolved: false } });
  // Same actions and observations, another thought: merges, but is no exact duplicate.
  const again = parseTrajectory({
    ...structuredClone(real),
    id: `${real.id}/again`,
    outcome: { resolved: true },
  });
  const last = again.messages[(s.at(-1) as { messageIndex: number }).messageIndex];
  if (last?.role === "assistant") last.reasoning_content = "A second sample thought differently.";
  return [good, failed, again];
}

describe("trees and pairs from the real sample trajectories", () => {
  it("build valid single-run trees for every imported sample", async () => {
    const imported = await importAll();
    expect(imported.length).toBeGreaterThanOrEqual(5);
    for (const t of imported) {
      const scored = parseTrajectory({
        ...t,
        outcome: { ...t.outcome, resolved: t.outcome.resolved ?? false },
      });
      const a = analyseTask(t.task_id, [scored], { treeFile: true, filters: { isolated: false } });
      const file = a.treeFile;
      if (!file) throw new Error("tree file expected");
      const stepNodes = file.nodes.filter((n) => n.kind === "step");
      // One run: one chain with a node per step, each pointing at its own assistant message.
      expect(stepNodes).toHaveLength(steps(scored).length);
      for (const node of stepNodes) {
        expect(node.visits).toBe(1);
        expect(node.ref?.trajectory_id).toBe(t.id);
        expect(node.message).toEqual(scored.messages[node.ref?.message_index ?? -1]);
        expect(node.observation_hash).toMatch(/^([0-9a-f]{16})?$/);
      }
      expect(file.trajectories[0]?.leaf).toBe(stepNodes.at(-1)?.id ?? file.nodes[1]?.id);
      expect(JSON.parse(JSON.stringify(file)).schema_version).toBe("sealign.tree/1");
      // The isolated filter drops a task's only run: it shares nothing with another.
      expect(analyseTask(t.task_id, [scored]).stats.isolated).toBe(1);
    }
  });

  it("find the decision and build valid pairs when runs of a real task diverge", async () => {
    const imported = await importAll();
    let tested = 0;
    for (const real of imported) {
      const n = steps(real).length;
      if (n < 3) continue;
      tested++;
      const k = Math.floor(n / 2);
      const a = analyseTask(real.task_id, variants(real, k), { ablation: {} });
      expect(a.filtered.kept).toHaveLength(3);
      expect(a.pairs).toHaveLength(1);
      const pair = parsePair(JSON.parse(JSON.stringify(a.pairs[0])));
      const s = steps(real);
      expect(pair.meta.depth).toBe(k);
      expect(pair.prompt).toEqual(real.messages.slice(0, (s[k] as { messageIndex: number }).messageIndex));
      expect(pair.chosen).toEqual([real.messages[(s[k] as { messageIndex: number }).messageIndex]]);
      expect(pair.rejected[0]).toMatchObject({ role: "assistant", content: "I will stop here." });
      expect(pair.meta).toMatchObject({
        chosen_score: 1,
        rejected_score: 0,
        parent_visits: 3,
        chosen_visits: 2,
      });
      expect(pair.tools).toEqual(real.tools);
      for (const p of a.trajectoryPairs) parsePair(JSON.parse(JSON.stringify(p)));
      expect(a.trajectoryPairs).toHaveLength(1);
    }
    expect(tested).toBeGreaterThanOrEqual(4);
  });
});
