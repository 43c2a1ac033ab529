import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readJsonDocument } from "../io/records.js";

/**
 * Verdicts of the official SWE-bench harness, read from what it writes: the run summary
 * (`<model>.<run_id>.json` with `resolved_ids` and `completed_ids` / `submitted_ids`), a
 * per-instance `report.json` (`{instance_id: {resolved, ...}}`) or the whole
 * `logs/run_evaluation/<run_id>/<model>/` folder of them.
 */
export async function readHarnessVerdicts(path: string): Promise<Map<string, boolean>> {
  const verdicts = new Map<string, boolean>();
  const info = await stat(path).catch(() => null);
  if (info === null) throw new InputError("no such harness output (file or folder)", { file: path });
  if (info.isDirectory()) {
    for (const file of await findReports(path)) addReport(verdicts, await readJsonDocument(file), file);
    if (verdicts.size === 0) throw new InputError("no report.json under this folder", { file: path });
    return verdicts;
  }
  const doc = await readJsonDocument(path);
  if (
    doc !== null &&
    typeof doc === "object" &&
    Array.isArray((doc as Record<string, unknown>).resolved_ids)
  ) {
    const summary = doc as Record<string, unknown>;
    const ids = (key: string) => (Array.isArray(summary[key]) ? (summary[key] as unknown[]).map(String) : []);
    for (const id of [
      ...ids("submitted_ids"),
      ...ids("completed_ids"),
      ...ids("unresolved_ids"),
      ...ids("error_ids"),
    ])
      verdicts.set(id, false);
    for (const id of ids("resolved_ids")) verdicts.set(id, true);
    return verdicts;
  }
  addReport(verdicts, doc, path);
  return verdicts;
}

function addReport(verdicts: Map<string, boolean>, doc: unknown, file: string): void {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new InputError("not a SWE-bench report (expected {instance_id: {resolved: ...}})", { file });
  for (const [id, value] of Object.entries(doc as Record<string, unknown>)) {
    const resolved = (value as { resolved?: unknown } | null)?.resolved;
    if (typeof resolved !== "boolean")
      throw new InputError("report entry has no boolean resolved", { file, field: id });
    verdicts.set(id, resolved);
  }
}

async function findReports(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findReports(full)));
    else if (entry.name === "report.json") found.push(full);
  }
  return found;
}

/** How sealign's verdicts compare with the harness's, instance by instance. */
export interface Agreement {
  compared: number;
  agree: number;
  /** agree / compared. */
  rate: number | null;
  /** Resolved by sealign, not by the harness. */
  only_sealign_resolved: string[];
  /** Resolved by the harness, not by sealign. */
  only_harness_resolved: string[];
  missing_in_harness: string[];
  missing_in_sealign: string[];
}

export function compareVerdicts(
  ours: Record<string, { resolved: boolean }>,
  harness: Map<string, boolean>,
): Agreement {
  const onlyOurs: string[] = [];
  const onlyTheirs: string[] = [];
  const missingInHarness: string[] = [];
  let compared = 0;
  let agree = 0;
  for (const [id, report] of Object.entries(ours)) {
    const theirs = harness.get(id);
    if (theirs === undefined) {
      missingInHarness.push(id);
      continue;
    }
    compared++;
    if (theirs === report.resolved) agree++;
    else (report.resolved ? onlyOurs : onlyTheirs).push(id);
  }
  return {
    compared,
    agree,
    rate: compared ? agree / compared : null,
    only_sealign_resolved: onlyOurs.sort(),
    only_harness_resolved: onlyTheirs.sort(),
    missing_in_harness: missingInHarness.sort(),
    missing_in_sealign: [...harness.keys()].filter((id) => !(id in ours)).sort(),
  };
}

export function formatAgreement(a: Agreement): string {
  const pct = a.rate === null ? "n/a" : `${(a.rate * 100).toFixed(1)}%`;
  return (
    `harness agreement: ${a.agree}/${a.compared} instances (${pct}); resolved only by sealign: ${a.only_sealign_resolved.length}, ` +
    `only by the harness: ${a.only_harness_resolved.length}; not in the harness run: ${a.missing_in_harness.length}, not in ours: ${a.missing_in_sealign.length}`
  );
}
