import type { ReplayDivergence } from "../agent/replay.js";
import { analyseTask } from "../pairs/analyse.js";
import { modelTurns } from "../schema/steps.js";
import type { Task } from "../schema/task.js";
import type { Trajectory } from "../schema/trajectory.js";
import { branchReplay } from "./branch.js";
import { defaultBudget, initialSamples } from "./budget.js";
import type { DecisionRecord, DivergedRecord, EndRecord, SearchRecord } from "./log.js";
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
  return new TaskSearch(options).run();
}

/** One task's search: what is known so far (from disk and from this run) and the rounds. */
class TaskSearch {
  private readonly options: TaskSearchOptions;
  private readonly taskId: string;
  /** Trajectories already in the run directory, by sample index. */
  private readonly onDisk: Map<number, Trajectory>;
  /** search.jsonl records of an earlier run, by sample index. */
  private readonly decided = new Map<number, DecisionRecord>();
  private readonly diverged = new Map<number, DivergedRecord>();
  /** The task's trajectories so far, and the nodes whose replay diverged. */
  private readonly have: Trajectory[] = [];
  private readonly excluded = new Set<string>();
  private readonly result: TaskSearchResult;

  constructor(options: TaskSearchOptions) {
    this.options = options;
    this.taskId = options.task.instance_id;
    this.onDisk = new Map(options.existing.map((t) => [t.provenance.sample_index ?? -1, t]));
    for (const r of options.logged) {
      if (r.type === "decision") this.decided.set(r.sample, r);
      if (r.type === "diverged") this.diverged.set(r.sample, r);
    }
    this.result = { taskId: this.taskId, rounds: 0, turns: 0, budget: 0, divergences: 0, complete: false };
  }

  async run(): Promise<TaskSearchResult> {
    const { options, result } = this;
    const initial = initialSamples(options.samples);
    for (let sample = 0; sample < initial; sample++) {
      const decision: DecisionRecord = {
        type: "decision",
        task_id: this.taskId,
        round: 0,
        sample,
        from: null,
        turn: 0,
        node: null,
        priority: null,
        reason: "initial",
      };
      if (!(await this.settle({ task: options.task, sample, round: 0, decision, replay: null })))
        return result;
    }
    result.budget = options.budget ?? defaultBudget(options.samples, this.have);
    if (!options.logged.some((r) => r.type === "budget"))
      await options.log({
        type: "budget",
        task_id: this.taskId,
        budget: result.budget,
        initial,
        samples: options.samples,
      });

    let reason: EndRecord["reason"] = "budget";
    for (let round = 1; result.turns < result.budget; round++) {
      // every productive round spends at least one model turn: more rounds than turns means trouble
      if (round > result.budget) {
        reason = "round-limit";
        break;
      }
      const choice = choose(this.taskId, this.have, this.excluded, options.seed, round);
      if (!choice) {
        reason = "no-candidate";
        break;
      }
      const unit = unitOf(options.task, initial + round - 1, round, choice, this.have);
      if (!(await this.settle(unit))) return result;
      result.rounds = round;
    }
    result.complete = true;
    if (!options.logged.some((r) => r.type === "end"))
      await options.log({
        type: "end",
        task_id: this.taskId,
        rounds: result.rounds,
        turns: result.turns,
        budget: result.budget,
        divergences: result.divergences,
        reason,
      });
    return result;
  }

  /** Take a unit's result from disk, or run it; false when the run was stopped. */
  private async settle(unit: SearchUnit): Promise<boolean> {
    const previous = this.decided.get(unit.sample);
    if (previous && !sameDecision(previous, unit.decision))
      throw new SearchResumeMismatch(
        `search of ${this.taskId}: round ${unit.round} now chooses ${JSON.stringify(unit.decision)}, but ${JSON.stringify(previous)} was recorded (the trajectories on disk or the settings changed)`,
      );
    const outcome = await this.outcomeOf(unit, previous !== undefined);
    if (outcome === null) return false;
    if (outcome.kind === "trajectory") {
      this.have.push(outcome.trajectory);
      this.result.turns += modelTurns(outcome.trajectory);
    } else {
      this.result.divergences++;
      if (unit.decision.node) this.excluded.add(unit.decision.node);
    }
    this.options.onRound?.({
      round: unit.round,
      turns: this.result.turns,
      budget: this.result.budget || null,
    });
    return true;
  }

  /** A unit's outcome: recorded before (a trajectory on disk, a divergence in the log), or run now. */
  private async outcomeOf(unit: SearchUnit, logged: boolean): Promise<UnitOutcome> {
    const stored = this.onDisk.get(unit.sample);
    if (stored) return { kind: "trajectory", trajectory: stored };
    const divergence = this.diverged.get(unit.sample);
    if (divergence) return { kind: "diverged", divergence: divergence.divergence };
    if (!logged) await this.options.log(unit.decision);
    const outcome = await this.options.run(unit);
    if (outcome?.kind === "diverged" && unit.replay)
      await this.options.log({
        type: "diverged",
        task_id: this.taskId,
        round: unit.round,
        sample: unit.sample,
        from: unit.replay.branch.trajectory_id,
        turn: unit.replay.turns,
        node: unit.decision.node as string,
        divergence: outcome.divergence,
      });
    return outcome;
  }
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
  const choice = chooseBranch(tree, excluded, searchRandom(seed, `${taskId}\0${round}`));
  if (choice) return choice;
  // The isolated filter can leave nothing: two episodes whose first actions differ (one model
  // lists files with `ls`, the other with `find`) are both isolated. A branch from one of them
  // is what gives it a sibling, so the choice is then made with that filter off.
  const { tree: unfiltered } = analyseTask(taskId, ordered, {
    criticalPairs: false,
    filters: { isolated: false },
  });
  unfiltered.materialise();
  return chooseBranch(unfiltered, excluded, searchRandom(seed, `${taskId}\0${round}\0isolated-off`));
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
