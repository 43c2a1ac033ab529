import { basename, dirname } from "node:path";
import type { Catalog } from "./catalog.js";
import type { PairSummary, TrajectorySummary } from "./summaries.js";
import { queryTrajectories, type TrajectoryQuery, type TrajectoryTable } from "./trajectory-query.js";

export type { TrajectoryQuery, TrajectoryTable } from "./trajectory-query.js";

/** Aggregates of one run (or of everything): what the overview shows. */
export interface RunStats {
  run: string;
  models: string[];
  trajectories: number;
  tasks: number;
  resolved: number;
  unresolved: number;
  /** Trajectories whose outcome is unknown (not validated yet). */
  unjudged: number;
  empty_patch: number;
  stuck: number;
  invalid_patch: number;
  tool_errors: number;
  mean_turns: number;
  /** Tasks with at least one resolved trajectory. */
  tasks_resolved: number;
  exit_reasons: Record<string, number>;
  /** Histogram of assistant turns: `turns_hist[i]` counts trajectories with turns in bin i. */
  turns_bins: number[];
  turns_hist: number[];
}

const TURN_BINS = [0, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100];

function statsOf(run: string, items: TrajectorySummary[]): RunStats {
  const tasks = new Set<string>();
  const tasksResolved = new Set<string>();
  const exitReasons: Record<string, number> = {};
  const hist = TURN_BINS.map(() => 0);
  const models = new Set<string>();
  let resolved = 0;
  let unresolved = 0;
  let empty = 0;
  let stuck = 0;
  let invalid = 0;
  let toolErrors = 0;
  let turns = 0;
  for (const t of items) {
    tasks.add(t.task_id);
    models.add(t.model);
    if (t.resolved === true) {
      resolved++;
      tasksResolved.add(t.task_id);
    } else if (t.resolved === false) unresolved++;
    if (t.patch === "empty") empty++;
    if (t.stuck) stuck++;
    if (t.invalid_patch) invalid++;
    toolErrors += t.tool_errors;
    turns += t.turns;
    exitReasons[t.exit_reason] = (exitReasons[t.exit_reason] ?? 0) + 1;
    let bin = TURN_BINS.length - 1;
    while (bin > 0 && t.turns < TURN_BINS[bin]!) bin--;
    hist[bin]!++;
  }
  return {
    run,
    models: [...models].sort(),
    trajectories: items.length,
    tasks: tasks.size,
    resolved,
    unresolved,
    unjudged: items.length - resolved - unresolved,
    empty_patch: empty,
    stuck,
    invalid_patch: invalid,
    tool_errors: toolErrors,
    mean_turns: items.length ? turns / items.length : 0,
    tasks_resolved: tasksResolved.size,
    exit_reasons: exitReasons,
    turns_bins: TURN_BINS,
    turns_hist: hist,
  };
}

export interface Overview {
  total: RunStats;
  runs: RunStats[];
  pairs: number;
  trees: number;
  files: { path: string; kind: string }[];
  ignored: { path: string; reason: string }[];
  skipped: { file: string; line: number; message: string }[];
  reports: { index: number; path: string }[];
  charts: { index: number; path: string; group: "training" | "eval" }[];
  /** Model folders (Hugging Face config / tokenizer files): listed, never shown as reports. */
  models: { folder: string; files: string[] }[];
  /** Task files read (for gold patches). */
  task_files: string[];
  duplicates: number;
}

/** Everything the overview page needs, computed server-side (no trajectory leaves the server). */
export function viewOverview(catalog: Catalog): Overview {
  const byRun = new Map<string, TrajectorySummary[]>();
  for (const t of catalog.trajectories) {
    const list = byRun.get(t.run);
    if (list) list.push(t);
    else byRun.set(t.run, [t]);
  }
  return {
    total: statsOf("all", catalog.trajectories),
    runs: [...byRun.entries()].map(([run, items]) => statsOf(run, items)),
    pairs: catalog.pairs.length,
    trees: catalog.treeTasks.length,
    files: catalog.files.map((f) => ({ path: f.path, kind: f.kind })),
    ignored: catalog.ignored,
    skipped: catalog.skipped.slice(0, 100),
    reports: catalog.reports,
    charts: catalog.charts.map((c) => ({ ...c, group: chartGroup(c.path) })),
    models: modelFolders(catalog),
    task_files: catalog.files.filter((f) => f.kind === "tasks").map((f) => f.path),
    duplicates: catalog.duplicates,
  };
}

/** `sealign train`'s curves (loss-sft, loss-dpo, rewards-dpo, accuracy-dpo) go under their own heading. */
const TRAINING_CHART = /(^|\/)(loss|rewards|accuracy)-(sft|dpo)[^/]*\.svg$/;

function chartGroup(path: string): "training" | "eval" {
  return TRAINING_CHART.test(path) ? "training" : "eval";
}

/** Hugging Face model / checkpoint folders found (their config and tokenizer files), by folder. */
function modelFolders(catalog: Catalog): { folder: string; files: string[] }[] {
  const folders = new Map<string, string[]>();
  for (const f of catalog.files) {
    if (f.kind !== "model") continue;
    const folder = dirname(f.path);
    folders.set(folder, [...(folders.get(folder) ?? []), basename(f.path)]);
  }
  return [...folders.entries()].map(([folder, files]) => ({ folder, files }));
}

/** A page of a list. */
export interface Page<T> {
  total: number;
  offset: number;
  items: T[];
}

export const MAX_PAGE = 500;

function page<T>(items: T[], offset = 0, limit = 100): Page<T> {
  const start = Math.max(0, Math.floor(offset));
  const size = Math.min(MAX_PAGE, Math.max(0, Math.floor(limit)));
  return { total: items.length, offset: start, items: items.slice(start, start + size) };
}

export interface TaskRow {
  task_id: string;
  trajectories: number;
  resolved: number;
  empty_patch: number;
  stuck: number;
  /** Per run: [trajectories, resolved]. */
  runs: Record<string, [number, number]>;
  pairs: number;
  has_tree: boolean;
}

export interface TaskQuery {
  q?: string;
  sort?: "task" | "resolved" | "trajectories" | "pairs";
  offset?: number;
  limit?: number;
}

/** The task table, filtered by a substring of the id and sorted; paginated. */
export function viewTasks(catalog: Catalog, query: TaskQuery = {}): Page<TaskRow> {
  const rows = new Map<string, TaskRow>();
  const row = (task: string): TaskRow => {
    let r = rows.get(task);
    if (!r) {
      r = {
        task_id: task,
        trajectories: 0,
        resolved: 0,
        empty_patch: 0,
        stuck: 0,
        runs: {},
        pairs: 0,
        has_tree: false,
      };
      rows.set(task, r);
    }
    return r;
  };
  for (const t of catalog.trajectories) {
    const r = row(t.task_id);
    r.trajectories++;
    if (t.resolved) r.resolved++;
    if (t.patch === "empty") r.empty_patch++;
    if (t.stuck) r.stuck++;
    const perRun = r.runs[t.run] ?? [0, 0];
    perRun[0]++;
    if (t.resolved) perRun[1]++;
    r.runs[t.run] = perRun;
  }
  for (const p of catalog.pairs) row(p.task_id).pairs++;
  for (const task of catalog.treeTasks) row(task).has_tree = true;
  const q = query.q?.toLowerCase() ?? "";
  let list = [...rows.values()].filter((r) => r.task_id.toLowerCase().includes(q));
  const rate = (r: TaskRow) => (r.trajectories ? r.resolved / r.trajectories : -1);
  if (query.sort === "resolved") list.sort((a, b) => rate(b) - rate(a));
  else if (query.sort === "trajectories") list.sort((a, b) => b.trajectories - a.trajectories);
  else if (query.sort === "pairs") list.sort((a, b) => b.pairs - a.pairs);
  else list = list.sort((a, b) => a.task_id.localeCompare(b.task_id, "en", { numeric: true }));
  return page(list, query.offset, query.limit);
}

/** The corpus-wide trajectories table: filtered, sorted, one page (see trajectory-query.ts). */
export function viewTrajectories(catalog: Catalog, query: TrajectoryQuery = {}): TrajectoryTable {
  return queryTrajectories(catalog.trajectories, query);
}

export interface PairQuery {
  task?: string;
  minGap?: number;
  maxGap?: number;
  depth?: number;
  /** A tool name used by either side. */
  tool?: string;
  kind?: string;
  /** The decision node's path (pairs at exactly this node). */
  nodePath?: string[];
  /** Pairs decided at this tree node (`decision_node_id`, else the last id of `node_path`). */
  node?: string;
  /** Pairs whose chosen or rejected side is this tree node. */
  side?: string;
  q?: string;
  sort?: "gap" | "depth" | "task";
  offset?: number;
  limit?: number;
}

export function viewPairs(
  catalog: Catalog,
  query: PairQuery = {},
  /** The pairs to list (default: the catalog's, from pair files). */
  from: readonly PairSummary[] = catalog.pairs,
): Page<PairSummary> & { tools: string[] } {
  const q = query.q?.toLowerCase() ?? "";
  const path = query.nodePath ? JSON.stringify(query.nodePath) : null;
  const list = from.filter(
    (p) =>
      (query.task === undefined || p.task_id === query.task) &&
      (query.minGap === undefined || p.gap >= query.minGap) &&
      (query.maxGap === undefined || p.gap <= query.maxGap) &&
      (query.depth === undefined || p.depth === query.depth) &&
      (query.kind === undefined || p.kind === query.kind) &&
      (query.tool === undefined ||
        p.chosen_tools.includes(query.tool) ||
        p.rejected_tools.includes(query.tool)) &&
      (path === null || JSON.stringify(p.node_path) === path) &&
      (query.node === undefined || (p.decision_node_id ?? p.node_path.at(-1)) === query.node) &&
      (query.side === undefined ||
        p.chosen_node_ids.includes(query.side) ||
        p.rejected_node_ids.includes(query.side)) &&
      (q === "" ||
        p.id.toLowerCase().includes(q) ||
        p.task_id.toLowerCase().includes(q) ||
        p.chosen_preview.toLowerCase().includes(q) ||
        p.rejected_preview.toLowerCase().includes(q)),
  );
  if (query.sort === "gap") list.sort((a, b) => b.gap - a.gap);
  else if (query.sort === "depth") list.sort((a, b) => a.depth - b.depth);
  else if (query.sort === "task")
    list.sort((a, b) => a.task_id.localeCompare(b.task_id, "en", { numeric: true }));
  const tools = new Set<string>();
  for (const p of from) for (const t of [...p.chosen_tools, ...p.rejected_tools]) tools.add(t);
  return { ...page(list, query.offset, query.limit), tools: [...tools].sort() };
}
