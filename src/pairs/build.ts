import { PAIR_SCHEMA_VERSION, type Pair } from "../schema/pair.js";
import type { Message } from "../schema/trajectory.js";
import { shortHash } from "../tree/observation.js";
import type { TaskTree } from "../tree/tree.js";
import type { TrajectoryView } from "../tree/view.js";
import { type ActionGroup, type CandidatePair, type Decision, groupTrajectories } from "./critical.js";

/**
 * Critical pairs (METHOD.md section 1, step 7): `<a+, a- | p, a1, o1, ..., a_{i-1}, o_{i-1}>`.
 *
 * Merged steps are equal by key, not byte for byte (thoughts are not part of the key, volatile
 * output is normalised), so one trajectory has to speak for each side:
 * - chosen: the first successful trajectory (input order) through the chosen group, else its
 *   first trajectory. The prompt is this trajectory's own messages up to the decision, so the
 *   chosen action is exactly what the model produced after exactly that prefix.
 * - rejected: the first failed trajectory through the rejected group, else its first; its
 *   assistant message at the decision step.
 *
 * The two trajectories share the decision's node, so their prefixes agree up to the tree's
 * observation normalisation: a rejected action can follow a prefix whose prompt or outputs
 * differed in volatile values (a timing, a temporary path) from the chosen side's, which is
 * the prompt the pair carries. `meta.prompt_varies` says when they differed (docs/tree.md).
 */

function pick(group: ActionGroup, want: boolean): TrajectoryView {
  const all = groupTrajectories(group);
  return all.find((v) => v.resolved === want) ?? (all[0] as TrajectoryView);
}

/** What a prefix says, tool-call ids aside (they are made up per request). */
function prefixText(messages: readonly Message[]): string {
  return JSON.stringify(
    messages.map((m) => [
      m.role,
      m.content,
      m.role === "assistant"
        ? (m.tool_calls ?? []).map((c) => [c.function.name, c.function.arguments])
        : null,
    ]),
  );
}

function toolsOf(message: Message): string[] {
  return message.role === "assistant" ? (message.tool_calls ?? []).map((c) => c.function.name) : [];
}

/** A stable pair id: task, decision node and the two action keys. */
export function pairId(taskId: string, kind: "c" | "t", ...parts: string[]): string {
  return `${taskId}:${kind}:${shortHash(parts.join("\u0000"), 16)}`;
}

/** The `sealign.pair/1` record of one candidate pair at a critical decision. */
export function criticalPair(
  tree: TaskTree,
  decision: Decision,
  candidate: CandidatePair,
  provenance: Record<string, unknown>,
): Pair {
  const { node } = decision;
  const step = node.depth;
  const chosenView = pick(candidate.chosen, true);
  const rejectedView = pick(candidate.rejected, false);
  const chosen = chosenView.assistantMessage(step);
  const rejected = rejectedView.assistantMessage(step);
  const path = node.path().slice(1);
  const prompt = chosenView.prefix(step);
  const promptVaries =
    rejectedView !== chosenView && prefixText(rejectedView.prefix(step)) !== prefixText(prompt);
  return {
    schema_version: PAIR_SCHEMA_VERSION,
    id: pairId(tree.taskId, "c", node.id, candidate.chosen.key, candidate.rejected.key),
    task_id: tree.taskId,
    kind: "critical",
    prompt,
    chosen: [chosen],
    rejected: [rejected],
    tools: chosenView.trajectory.tools,
    meta: {
      node_path: path.map((n) => n.id),
      depth: step,
      chosen_score: candidate.chosen.score,
      rejected_score: candidate.rejected.score,
      gap: candidate.gap,
      parent_visits: node.visits,
      chosen_visits: candidate.chosen.visits,
      rejected_visits: candidate.rejected.visits,
      chosen_trajectory_ids: groupTrajectories(candidate.chosen).map((v) => v.id),
      rejected_trajectory_ids: groupTrajectories(candidate.rejected).map((v) => v.id),
      chosen_tools: toolsOf(chosen),
      rejected_tools: toolsOf(rejected),
      decision_node_id: node.id,
      chosen_node_ids: candidate.chosen.nodes.map((n) => n.id),
      rejected_node_ids: candidate.rejected.nodes.map((n) => n.id),
      chosen_successes: candidate.chosen.successes,
      rejected_successes: candidate.rejected.successes,
      chosen_interval: candidate.chosen.interval,
      rejected_interval: candidate.rejected.interval,
      chosen_source: chosenView.id,
      rejected_source: rejectedView.id,
      prompt_varies: promptVaries,
    },
    provenance,
  };
}

/** Every pair of every decision of a tree, in decision order. */
export function criticalPairs(
  tree: TaskTree,
  decisions: Decision[],
  provenance: Record<string, unknown>,
): Pair[] {
  return decisions.flatMap((d) => d.pairs.map((c) => criticalPair(tree, d, c, provenance)));
}
