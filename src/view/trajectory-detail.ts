import { constants } from "node:fs";
import { lstat, open, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { sameAction } from "../schema/action-key.js";
import { steps } from "../schema/steps.js";
import type { Trajectory } from "../schema/trajectory.js";

/**
 * What the trajectory page says at its top about why a run failed: the exit reason, the tests
 * that failed, and the end of the test log validate wrote (`outcome.report.log_path`).
 */

/** The paper's stuck rule: the same action this many times in a row (as eval counts it). */
const STUCK_RUN = 3;

/**
 * Step indices (0-based, assistant steps) inside a run of at least 3 identical actions in a
 * row: the steps a stuck loop repeated, so the page can mark every one of them.
 */
export function stuckSteps(trajectory: Pick<Trajectory, "messages">): number[] {
  const list = steps(trajectory);
  const marked: number[] = [];
  let start = 0;
  for (let i = 1; i <= list.length; i++) {
    const same = i < list.length && sameAction(list[i - 1]!, list[i]!);
    if (same) continue;
    if (i - start >= STUCK_RUN) for (let j = start; j < i; j++) marked.push(j);
    start = i;
  }
  return marked;
}

/** Failing tests of a validated trajectory, by group. */
export function failingTests(trajectory: Trajectory): { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] } {
  const status = trajectory.outcome.report?.tests_status;
  return {
    FAIL_TO_PASS: status?.FAIL_TO_PASS?.failure ?? [],
    PASS_TO_PASS: status?.PASS_TO_PASS?.failure ?? [],
  };
}

/** The end of a test log is where the failure is: this much is shown. */
export const TEST_LOG_TAIL_BYTES = 64 * 1024;

export interface TestLog {
  path: string;
  /** The last TEST_LOG_TAIL_BYTES of the log. */
  text: string;
  bytes: number;
  truncated: boolean;
}

/**
 * Read the test log a trajectory's report points to. `log_path` is relative to the folder of the
 * file the trajectory came from (validate writes OUT/logs/<id>.log beside OUT/trajectories.jsonl).
 * The path is data from a file: it must stay inside that folder, name a plain file, and pass
 * through no symbolic link, or it is refused (a record cannot make the viewer read elsewhere).
 */
export async function readTestLog(recordFile: string, logPath: string): Promise<TestLog | { error: string }> {
  if (logPath === "" || isAbsolute(logPath) || logPath.split(/[\\/]/).includes("..")) {
    return { error: `log_path ${JSON.stringify(logPath)} is not a path inside the run folder` };
  }
  const base = await realpath(dirname(recordFile));
  const full = join(base, logPath);
  const rel = relative(base, full);
  if (rel.startsWith("..") || isAbsolute(rel)) return { error: `log_path ${logPath} leaves the run folder` };
  // Every component below the run folder must be a real folder / file, not a link.
  let at = base;
  for (const part of rel.split(sep)) {
    at = join(at, part);
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(at);
    } catch {
      return { error: `test log ${logPath} not found` };
    }
    if (info.isSymbolicLink()) return { error: `test log ${logPath} is a symbolic link: not followed` };
    if (at !== full && !info.isDirectory()) return { error: `test log ${logPath} is not under a folder` };
    if (at === full && !info.isFile()) return { error: `test log ${logPath} is not a plain file` };
  }
  // O_NOFOLLOW: a link swapped in after the check is refused by the kernel, not followed.
  const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TEST_LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return { path: logPath, text: buffer.toString("utf8"), bytes: size, truncated: start > 0 };
  } finally {
    await handle.close();
  }
}
