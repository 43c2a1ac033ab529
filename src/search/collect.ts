import { join } from "node:path";
import { JsonlAppender } from "../io/append.js";
import type { Task } from "../schema/task.js";
import type { Trajectory } from "../schema/trajectory.js";
import { readSearchLog, SEARCH_FILE, type SearchRecord } from "./log.js";
import { type SearchUnit, searchTask, type TaskSearchResult, type UnitOutcome } from "./task-search.js";

/**
 * `collect --strategy tree` over a run's tasks: each task's search is a chain of rounds (one
 * episode at a time, since each round's choice needs the previous one's outcome); `concurrency`
 * tasks search at once. The caller supplies how one unit runs (the same job function as an
 * independent run, with a replay for branches) and where trajectories go.
 */
export interface SearchCollectOptions {
  tasks: readonly Task[];
  samples: number;
  /** Model turns per task; null: `samples` × the mean of the task's initial episodes. */
  budget: number | null;
  seed: number;
  runDir: string;
  concurrency: number;
  /** The run's trajectories already on disk (any task, any order). */
  existing: readonly Trajectory[];
  /** Run one unit (the caller appends its trajectory); null outcome when stopped. */
  runUnit: (unit: SearchUnit) => Promise<UnitOutcome>;
  /** A task's search ended (its base can be released). */
  onTaskDone?: (task: Task, result: TaskSearchResult) => Promise<void> | void;
  onProgress?: (state: SearchProgress) => void;
  signal?: AbortSignal;
}

/** The search's counters, for the progress line. */
export interface SearchProgress {
  tasks: number;
  tasksDone: number;
  /** Highest round reached by any task so far. */
  round: number;
  turns: number;
  /** Sum of the budgets known so far (a task's is fixed after its initial episodes). */
  budget: number;
  divergences: number;
}

export interface SearchCollectSummary {
  results: TaskSearchResult[];
  turns: number;
  divergences: number;
  complete: boolean;
}

/** Run (or resume) the search of every task; search.jsonl records its decisions. */
export async function searchCollect(options: SearchCollectOptions): Promise<SearchCollectSummary> {
  const logPath = join(options.runDir, SEARCH_FILE);
  const logged = await readSearchLog(logPath);
  const { appender } = await JsonlAppender.open(logPath);
  const byTask = new Map<string, Trajectory[]>();
  for (const t of options.existing) {
    const list = byTask.get(t.task_id);
    if (list) list.push(t);
    else byTask.set(t.task_id, [t]);
  }
  const progress: SearchProgress = {
    tasks: options.tasks.length,
    tasksDone: 0,
    round: 0,
    turns: 0,
    budget: 0,
    divergences: 0,
  };
  const perTask = new Map<string, { turns: number; budget: number }>();
  const publish = () => {
    progress.turns = [...perTask.values()].reduce((n, s) => n + s.turns, 0);
    progress.budget = [...perTask.values()].reduce((n, s) => n + s.budget, 0);
    options.onProgress?.({ ...progress });
  };
  const results: TaskSearchResult[] = [];
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < options.tasks.length && failure === null && !options.signal?.aborted) {
      const task = options.tasks[next++] as Task;
      try {
        const result = await searchTask({
          task,
          samples: options.samples,
          budget: options.budget,
          seed: options.seed,
          existing: byTask.get(task.instance_id) ?? [],
          logged: logged.get(task.instance_id) ?? ([] as SearchRecord[]),
          run: options.runUnit,
          log: (record) => appender.append(record),
          onRound: ({ round, turns, budget }) => {
            perTask.set(task.instance_id, { turns, budget: budget ?? 0 });
            progress.round = Math.max(progress.round, round);
            publish();
          },
        });
        results.push(result);
        progress.divergences += result.divergences;
        if (result.complete) progress.tasksDone++;
        perTask.set(task.instance_id, { turns: result.turns, budget: result.budget });
        publish();
        await options.onTaskDone?.(task, result);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency, Math.max(1, options.tasks.length)) }, worker),
  );
  if (failure !== null) throw failure;
  const complete = results.length === options.tasks.length && results.every((r) => r.complete);
  return {
    results,
    turns: results.reduce((n, r) => n + r.turns, 0),
    divergences: results.reduce((n, r) => n + r.divergences, 0),
    complete,
  };
}
