import { InputError } from "../errors.js";
import { EXIT_REASONS } from "../schema/trajectory.js";
import type { TrajectorySummary } from "./summaries.js";

/**
 * The corpus-wide trajectories table (`GET /api/trajectories`): every trajectory of every run
 * and task, filtered, sorted and paginated on the server so that the browser only ever holds
 * one page of 10,000 runs.
 */

/** `outcome=` values: the verdict validate gave, or none yet. */
export const OUTCOMES = ["resolved", "failed", "unvalidated"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Columns the table sorts by (`sort=turns` ascending, `sort=-turns` descending). */
export const TRAJECTORY_SORTS = [
  "id",
  "task",
  "run",
  "model",
  "outcome",
  "exit_reason",
  "turns",
  "tokens",
  "tool_errors",
  "patch",
] as const;
export type TrajectorySort = (typeof TRAJECTORY_SORTS)[number];

export interface TrajectoryQuery {
  task?: string;
  run?: string;
  model?: string;
  /** One or more outcomes (any of them matches). */
  outcome?: Outcome[];
  /** Legacy spelling of outcome: "true", "false" or "null". */
  resolved?: string;
  /** One or more exit reasons (any of them matches). */
  exitReason?: string[];
  /** true: only empty patches; false: only non-empty ones. */
  emptyPatch?: boolean;
  /** true: only trajectories with tool errors; false: only those without. */
  toolErrors?: boolean;
  stuck?: boolean;
  minTurns?: number;
  maxTurns?: number;
  minTokens?: number;
  maxTokens?: number;
  /** Case-insensitive text in the id, task, run, model, exit reason, tools or labels. */
  q?: string;
  sort?: TrajectorySort;
  descending?: boolean;
  offset?: number;
  limit?: number;
}

/** One row of the table: the summary plus the names the API promises. */
export type TrajectoryRow = TrajectorySummary & { tokens: number | null; empty_patch: boolean };

export interface TrajectoryTable {
  total: number;
  offset: number;
  rows: TrajectoryRow[];
}

export const MAX_TRAJECTORY_PAGE = 500;

/** A query the table cannot answer (unknown filter value): the server answers 400 with it. */
export class QueryError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "QueryError";
  }
}

/** A list parameter (`outcome=resolved,failed`) checked against the values it may take. */
export function parseChoices<T extends string>(
  raw: string | undefined,
  name: string,
  known: readonly T[],
): T[] | undefined {
  if (raw === undefined || raw === "") return undefined;
  const values = raw.split(",").map((v) => v.trim());
  for (const value of values) {
    if (!(known as readonly string[]).includes(value)) {
      throw new QueryError(`unknown ${name} ${JSON.stringify(value)}; known: ${known.join(", ")}`);
    }
  }
  return values as T[];
}

/** `sort=turns` / `sort=-turns`, checked. */
export function parseSort(raw: string | undefined): { sort?: TrajectorySort; descending?: boolean } {
  if (raw === undefined || raw === "") return {};
  const descending = raw.startsWith("-");
  const [sort] = parseChoices(descending ? raw.slice(1) : raw, "sort", TRAJECTORY_SORTS) ?? [];
  return { sort, descending };
}

/** `1`/`true` or `0`/`false`, checked. */
export function parseFlag(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new QueryError(`${name} must be 1 or 0, got ${JSON.stringify(raw)}`);
}

export const KNOWN_EXIT_REASONS: readonly string[] = EXIT_REASONS;

function outcomeOf(t: TrajectorySummary): Outcome {
  return t.resolved === true ? "resolved" : t.resolved === false ? "failed" : "unvalidated";
}

const LEGACY_RESOLVED: Record<string, Outcome> = { true: "resolved", false: "failed", null: "unvalidated" };

function matches(t: TrajectorySummary, query: TrajectoryQuery, q: string, outcomes: Set<Outcome> | null) {
  if (query.task !== undefined && t.task_id !== query.task) return false;
  if (query.run !== undefined && t.run !== query.run) return false;
  if (query.model !== undefined && t.model !== query.model) return false;
  if (outcomes && !outcomes.has(outcomeOf(t))) return false;
  if (query.exitReason && !query.exitReason.includes(t.exit_reason)) return false;
  if (query.emptyPatch !== undefined && (t.patch === "empty") !== query.emptyPatch) return false;
  if (query.toolErrors !== undefined && t.tool_errors > 0 !== query.toolErrors) return false;
  if (query.stuck !== undefined && t.stuck !== query.stuck) return false;
  if (query.minTurns !== undefined && t.turns < query.minTurns) return false;
  if (query.maxTurns !== undefined && t.turns > query.maxTurns) return false;
  // A trajectory whose tokens are unknown is outside every tokens range.
  if ((query.minTokens !== undefined || query.maxTokens !== undefined) && t.total_tokens === null)
    return false;
  if (query.minTokens !== undefined && t.total_tokens! < query.minTokens) return false;
  if (query.maxTokens !== undefined && t.total_tokens! > query.maxTokens) return false;
  if (q !== "") {
    const hay = [t.id, t.task_id, t.run, t.model, t.exit_reason, ...t.tools, ...t.labels];
    if (!hay.some((x) => x.toLowerCase().includes(q))) return false;
  }
  return true;
}

const OUTCOME_ORDER: Record<Outcome, number> = { resolved: 0, failed: 1, unvalidated: 2 };
const PATCH_ORDER = { present: 0, empty: 1, unknown: 2 };
const natural = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

function comparator(sort: TrajectorySort): (a: TrajectorySummary, b: TrajectorySummary) => number {
  switch (sort) {
    case "id":
      return (a, b) => natural(a.id, b.id);
    case "task":
      return (a, b) => natural(a.task_id, b.task_id);
    case "run":
      return (a, b) => natural(a.run, b.run);
    case "model":
      return (a, b) => natural(a.model, b.model);
    case "outcome":
      return (a, b) => OUTCOME_ORDER[outcomeOf(a)] - OUTCOME_ORDER[outcomeOf(b)];
    case "exit_reason":
      return (a, b) => natural(a.exit_reason, b.exit_reason);
    case "turns":
      return (a, b) => a.turns - b.turns;
    case "tokens":
      // Unknown tokens sort as the smallest.
      return (a, b) => (a.total_tokens ?? -1) - (b.total_tokens ?? -1);
    case "tool_errors":
      return (a, b) => a.tool_errors - b.tool_errors;
    case "patch":
      return (a, b) =>
        PATCH_ORDER[a.patch] - PATCH_ORDER[b.patch] || a.added + a.removed - (b.added + b.removed);
  }
}

export function toRow(t: TrajectorySummary): TrajectoryRow {
  return { ...t, tokens: t.total_tokens, empty_patch: t.patch === "empty" };
}

/** Filter and sort (stable: ties keep file order) the whole table. */
function selectTrajectories(all: readonly TrajectorySummary[], query: TrajectoryQuery): TrajectorySummary[] {
  const q = query.q?.trim().toLowerCase() ?? "";
  let outcomes: Set<Outcome> | null = query.outcome ? new Set(query.outcome) : null;
  if (query.resolved !== undefined) {
    const legacy = LEGACY_RESOLVED[query.resolved];
    if (!legacy)
      throw new QueryError(`resolved must be true, false or null, got ${JSON.stringify(query.resolved)}`);
    outcomes = new Set([legacy]);
  }
  const list = all.filter((t) => matches(t, query, q, outcomes));
  if (query.sort) {
    const compare = comparator(query.sort);
    const sign = query.descending ? -1 : 1;
    list.sort((a, b) => sign * compare(a, b));
  }
  return list;
}

/** One page of the trajectories table, filtered and sorted. */
export function queryTrajectories(
  all: readonly TrajectorySummary[],
  query: TrajectoryQuery = {},
): TrajectoryTable {
  const list = selectTrajectories(all, query);
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const size = Math.min(MAX_TRAJECTORY_PAGE, Math.max(0, Math.floor(query.limit ?? 100)));
  return { total: list.length, offset, rows: list.slice(offset, offset + size).map(toRow) };
}

/** Where a trajectory sits in a filtered, sorted list: its position and the ids around it. */
export function trajectoryNeighbours(
  all: readonly TrajectorySummary[],
  query: TrajectoryQuery,
  id: string,
): { index: number; total: number; previous: string | null; next: string | null } {
  const list = selectTrajectories(all, query);
  const index = list.findIndex((t) => t.id === id);
  return {
    index,
    total: list.length,
    previous: index > 0 ? list[index - 1]!.id : null,
    next: index >= 0 && index + 1 < list.length ? list[index + 1]!.id : null,
  };
}
