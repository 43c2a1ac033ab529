import type { ReplayDivergence } from "../agent/replay.js";
import { analyseTask } from "../pairs/analyse.js";
import { modelTurns } from "../schema/steps.js";
import type { Task } from "../schema/task.js";
import type { Trajectory } from "../schema/trajectory.js";
import { branchReplay } from "./branch.js";
import { defaultBudget, initialSamples, turnsUsed } from "./budget.js";
import type { DecisionRecord, SearchRecord } from "./log.js";
import { searchRandom } from "./random.js";
import { type BranchChoice, chooseBranch } from "./select.js";

/**
 * The rounds of one task's tree search (docs/search.md): `initialSamples` episodes from the
 * root, then one episode a round, started where `chooseBranch` says, until the task's model
 * turns reach its budget. Every decision is a function of the trajectories already there (in
 * sample order), the divergences recorded, and the seed, so a resume recomputes the same
 * decisions; the ones already run are taken from disk, and each is checked against the
 * decision line written before it ran.
 */

/** One episode the search asks for. */
export interface SearchUnit {
  task: Task;
  sample: number;
  round: number;
  decision: DecisionRecord;
  /** Null for an episode from the root. */
  replay: ReturnType<typeof branchReplay> | null;
}

/** What came of a unit; null when the run was stopped before it finished. */
export type UnitOutcome =
  | { kind: "trajectory"; trajectory: Trajectory }
  | { kind: "diverged"; divergence: ReplayDivergence }
  | null;

export interface TaskSearchOptions {
  task: Task;
  /** Samples' worth of turns (the default budget's multiplier; also the initial count's base). */
  samples: number;
  /** Model turns for the task; null: the default (`defaultBudget`). */
  budget: number | null;
  seed: number;
  /** This task's trajectories already in the run directory. */
  existing: readonly Trajectory[];
  /** This task's search.jsonl records already written. */
  logged: readonly SearchRecord[];
  run: (unit: SearchUnit) => Promise<UnitOutcome>;
  /** Append a record to search.jsonl (fsynced). */
  log: (record: SearchRecord) => Promise<void>;
  /** After every round: for progress displays. */
  onRound?: (state: { round: number; turns: number; budget: number | null }) => void;
}

export interface TaskSearchResult {
  taskId: string;
  rounds: number;
  turns: number;
  budget: number;
  divergences: number;
  /** False when the run was stopped before the search ended. */
  complete: boolean;
}

/** Thrown on resume when a recomputed decision differs from the one recorded before the kill. */
export class SearchResumeMismatch extends Error {}

function sameDecision(a: DecisionRecord, b: DecisionRecord): boolean {
  return a.sample === b.sample && a.from === b.from && a.turn === b.turn && a.node === b.node;
}

/** Run (or resume) the search of one task. */
export async function searchTask(options: TaskSearchOptions): Promise<TaskSearchResult> {
  const { task } = options;
  const taskId = task.instance_id;
  const onDisk = new Map(options.existing.map((t) => [t.provenance.sample_index ?? -1, t]));
  const decided = new Map<number, DecisionRecord>();
  const diverged = new Map<number, SearchRecord>();
  for (const r of options.logged) {
    if (r.type === "decision") decided.set(r.sample, r);
    if (r.type === "diverged") diverged.set(r.sample, r);
  }
  const have: Trajectory[] = [];
  const excluded = new Set<string>();
  const result: TaskSearchResult = {
    taskId,
    rounds: 0,
    turns: 0,
    budget: 0,
    divergences: 0,
    complete: false,
  };

  /** Take a unit's result from disk, or run it; false when the run was stopped. */
  const settle = async (unit: SearchUnit): Promise<boolean> => {
    const previous = decided.get(unit.sample);
    if (previous && !sameDecision(previous, unit.decision))
      throw new SearchResumeMismatch(
        `search of ${taskId}: round ${unit.round} now chooses ${JSON.stringify(unit.decision)}, but ${JSON.stringify(previous)} was recorded (the trajectories on disk or the settings changed)`,
      );
    const stored = onDisk.get(unit.sample);
    const divergence = diverged.get(unit.sample);
    let outcome: UnitOutcome;
    if (stored) outcome = { kind: "trajectory", trajectory: stored };
    else if (divergence?.type === "diverged")
      outcome = { kind: "diverged", divergence: divergence.divergence };
    else {
      if (!previous) await options.log(unit.decision);
      outcome = await options.run(unit);
      if (outcome?.kind === "diverged" && unit.replay)
        await options.log({
          type: "diverged",
          task_id: taskId,
          round: unit.round,
          sample: unit.sample,
          from: unit.replay.branch.trajectory_id,
          turn: unit.replay.turns,
          node: unit.decision.node as string,
          divergence: outcome.divergence,
        });
    }
    if (outcome === null) return false;
    if (outcome.kind === "trajectory") {
      have.push(outcome.trajectory);
      result.turns += modelTurns(outcome.trajectory);
    } else {
      result.divergences++;
      if (unit.decision.node) excluded.add(unit.decision.node);
    }
    options.onRound?.({ round: unit.round, turns: result.turns, budget: result.budget || null });
    return true;
  };

  const initial = initialSamples(options.samples);
  for (let sample = 0; sample < initial; sample++) {
    const decision: DecisionRecord = {
      type: "decision",
      task_id: taskId,
      round: 0,
      sample,
      from: null,
      turn: 0,
      node: null,
      priority: null,
      reason: "initial",
    };
    if (!(await settle({ task, sample, round: 0, decision, replay: null }))) return result;
  }
  result.budget = options.budget ?? defaultBudget(options.samples, have);
  if (!options.logged.some((r) => r.type === "budget"))
    await options.log({
      type: "budget",
      task_id: taskId,
      budget: result.budget,
      initial,
      samples: options.samples,
    });

  let reason: "budget" | "no-candidate" | "round-limit" = "budget";
  for (let round = 1; result.turns < result.budget; round++) {
    // every productive round spends at least one model turn: more rounds than turns means trouble
    if (round > result.budget) {
      reason = "round-limit";
      break;
    }
    const choice = choose(taskId, have, excluded, options.seed, round);
    if (!choice) {
      reason = "no-candidate";
      break;
    }
    const unit = unitOf(task, initial + round - 1, round, choice, have);
    if (!(await settle(unit))) return result;
    result.rounds = round;
  }
  result.complete = true;
  if (!options.logged.some((r) => r.type === "end"))
    await options.log({
      type: "end",
      task_id: taskId,
      rounds: result.rounds,
      turns: result.turns,
      budget: result.budget,
      divergences: result.divergences,
      reason,
    });
  return result;
}

/** Round `round`'s choice over the task's tree (trajectories in sample order, default filters). */
function choose(
  taskId: string,
  have: readonly Trajectory[],
  excluded: ReadonlySet<string>,
  seed: number,
  round: number,
): BranchChoice | null {
  const ordered = [...have].sort(
    (a, b) => (a.provenance.sample_index ?? 0) - (b.provenance.sample_index ?? 0),
  );
  // the tree the pairs stage would build: the same filters, so the search spends where pairs can use it
  const { tree } = analyseTask(taskId, ordered, { criticalPairs: false });
  tree.materialise();
  return chooseBranch(tree, excluded, searchRandom(seed, `${taskId}\0${round}`));
}

function unitOf(
  task: Task,
  sample: number,
  round: number,
  choice: BranchChoice,
  have: readonly Trajectory[],
): SearchUnit {
  const decision: DecisionRecord = {
    type: "decision",
    task_id: task.instance_id,
    round,
    sample,
    from: choice.turn === 0 ? null : choice.source.id,
    turn: choice.turn,
    node: choice.node.id,
    priority: Number(choice.priority.toFixed(6)),
    reason: choice.reason,
  };
  // the prompt node: a new episode from the root (nothing to replay)
  const replay = choice.turn === 0 ? null : branchReplay(choice.source.trajectory, choice.turn, round, have);
  return { task, sample, round, decision, replay };
}

export { turnsUsed };
