import { existsSync } from "node:fs";
import type { ReplayDivergence } from "../agent/replay.js";
import { readJsonl } from "../io/jsonl.js";

/**
 * RUN_DIR/search.jsonl: the tree search's decisions and what came of them, one fsynced line
 * each (JsonlAppender), beside the trajectories. A resume recomputes every decision from the
 * trajectories on disk and checks it against the line written before the kill; divergences
 * live only here (a diverged branch has no trajectory), so a resume reads them back too.
 */
export const SEARCH_FILE = "search.jsonl";

/** A task's budget, fixed once its initial episodes are done. */
export interface BudgetRecord {
  type: "budget";
  task_id: string;
  budget: number;
  initial: number;
  samples: number;
}

/** Where a round's episode starts; written before the episode runs. */
export interface DecisionRecord {
  type: "decision";
  task_id: string;
  round: number;
  sample: number;
  /** Source trajectory and turns replayed (null / 0 for an episode from the root). */
  from: string | null;
  turn: number;
  node: string | null;
  priority: number | null;
  reason: "initial" | "alternative" | "side";
}

/** A branch whose replay diverged: it has no trajectory; its node is not chosen again. */
export interface DivergedRecord {
  type: "diverged";
  task_id: string;
  round: number;
  sample: number;
  from: string;
  turn: number;
  node: string;
  divergence: ReplayDivergence;
}

/** How a task's search ended. */
export interface EndRecord {
  type: "end";
  task_id: string;
  rounds: number;
  turns: number;
  budget: number;
  divergences: number;
  reason: "budget" | "no-candidate" | "round-limit";
}

export type SearchRecord = BudgetRecord | DecisionRecord | DivergedRecord | EndRecord;

/** The records of RUN_DIR/search.jsonl by task (a partial last line from a kill is ignored). */
export async function readSearchLog(path: string): Promise<Map<string, SearchRecord[]>> {
  const byTask = new Map<string, SearchRecord[]>();
  if (!existsSync(path)) return byTask;
  for await (const { value } of readJsonl(path, { tolerateTruncatedTail: true })) {
    const record = value as SearchRecord;
    if (typeof record?.task_id !== "string") continue;
    const list = byTask.get(record.task_id) ?? [];
    list.push(record);
    byTask.set(record.task_id, list);
  }
  return byTask;
}
