import type { ValidationItem } from "./inputs.js";
import type { ValidationCounts } from "./progress.js";
import type { ValidationReport } from "./validate-one.js";

/** What the cache and the base pool saved in one run. */
export interface CacheStats {
  dir: string | null;
  /** Verdicts read from the disk cache. */
  hits: number;
  /** Verdicts shared with an identical patch validated earlier in the same run. */
  deduplicated: number;
  /** Test seconds the reused verdicts (disk hits and shared identical patches) would have cost. */
  saved_seconds: number;
  /** Test commands actually run. */
  tests_run: number;
  /** Items whose verdict was already in OUT/results.jsonl (a resumed run). */
  resumed: number;
  /** Base workspaces built (one per task, reused by cheap copies). */
  bases_built: number;
}

/**
 * SWE-bench's run summary (field names as in its `<model>.<run_id>.json`, schema_version 2)
 * plus sealign's extras under `sealign`. `completed` = the tests ran; an empty patch is counted
 * as empty, a patch that does not apply and a harness failure as errors, as the harness does.
 * With the harness's meanings: `incomplete_ids` are the task file's instances that got no
 * prediction, and `submitted_instances` counts the instances submitted (never above
 * `total_instances`; with several trajectories per instance, `submitted_ids` lists the items).
 */
export interface ValidationSummary {
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  completed_ids: string[];
  incomplete_ids: string[];
  empty_patch_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  error_ids: string[];
  schema_version: 2;
  sealign: {
    apply_failed_ids: string[];
    timed_out_ids: string[];
    harness_error_ids: string[];
    models: string[];
    cache: CacheStats;
    wall_s: number;
    validations_per_minute: number;
    provenance: Record<string, unknown>;
  };
}

export function buildSummary(args: {
  items: ValidationItem[];
  reports: Record<string, ValidationReport>;
  totalInstances: number;
  /** Every instance of the task file (for `incomplete_ids`). */
  taskIds?: string[];
  counts: ValidationCounts;
  cache: CacheStats;
  provenance: Record<string, unknown>;
  wallSeconds: number;
}): ValidationSummary {
  const ids = (pick: (r: ValidationReport) => boolean) =>
    args.items
      .filter((i) => pick(args.reports[i.id]!))
      .map((i) => i.id)
      .sort();
  const completed = ids((r) => r.patch_successfully_applied && r.error === null);
  const empty = ids((r) => !r.patch_exists);
  const applyFailed = ids((r) => r.patch_exists && !r.patch_successfully_applied && r.error === null);
  const harness = ids((r) => r.error !== null);
  const resolved = ids((r) => r.resolved);
  const submitted = args.items.map((i) => i.id).sort();
  const submittedTasks = new Set(args.items.map((i) => i.taskId));
  return {
    total_instances: args.totalInstances,
    submitted_instances: submittedTasks.size,
    completed_instances: completed.length,
    resolved_instances: resolved.length,
    unresolved_instances: completed.length - resolved.length,
    empty_patch_instances: empty.length,
    error_instances: applyFailed.length + harness.length,
    completed_ids: completed,
    incomplete_ids: (args.taskIds ?? []).filter((id) => !submittedTasks.has(id)).sort(),
    empty_patch_ids: empty,
    submitted_ids: submitted,
    resolved_ids: resolved,
    unresolved_ids: completed.filter((id) => !args.reports[id]!.resolved),
    error_ids: [...applyFailed, ...harness].sort(),
    schema_version: 2,
    sealign: {
      apply_failed_ids: applyFailed,
      timed_out_ids: ids((r) => r.timed_out),
      harness_error_ids: harness,
      models: [...new Set(args.items.map((i) => i.model))].sort(),
      cache: args.cache,
      wall_s: Math.round(args.wallSeconds * 10) / 10,
      validations_per_minute:
        args.wallSeconds > 0
          ? Math.round(((args.counts.done - args.cache.resumed) / args.wallSeconds) * 600) / 10
          : 0,
      provenance: args.provenance,
    },
  };
}

/** The lines `sealign validate` prints at the end: verdicts, then what the cache saved. */
export function formatSummary(summary: ValidationSummary): string {
  const c = summary.sealign.cache;
  const reused = c.hits + c.deduplicated;
  const lines = [
    `validated ${summary.submitted_ids.length}: ${summary.resolved_instances} resolved, ` +
      `${summary.unresolved_instances} not resolved, ${summary.empty_patch_instances} empty patch, ` +
      `${summary.sealign.apply_failed_ids.length} did not apply, ${summary.sealign.timed_out_ids.length} timed out, ` +
      `${summary.sealign.harness_error_ids.length} harness errors (${summary.sealign.wall_s}s)`,
    `cache: ${c.tests_run} test runs; ${reused} verdicts reused (${c.hits} from disk, ${c.deduplicated} identical patches in this run), ` +
      `${summary.empty_patch_instances} decided without running, ~${c.saved_seconds}s of tests saved` +
      (c.resumed ? `; ${c.resumed} resumed from an earlier run` : ""),
  ];
  return lines.join("\n");
}
