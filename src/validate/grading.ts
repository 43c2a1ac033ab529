import type { StatusMap, TestStatus } from "./status.js";

/** SWE-bench's per-group lists. */
export interface TestGroup {
  success: string[];
  failure: string[];
}

export interface TestsStatus {
  FAIL_TO_PASS: TestGroup;
  PASS_TO_PASS: TestGroup;
  FAIL_TO_FAIL: TestGroup;
  PASS_TO_FAIL: TestGroup;
}

const passes = (s: TestStatus | undefined): boolean => s === "PASSED" || s === "XFAIL";

/**
 * SWE-bench's grading rule (METHOD.md section 3): resolved iff every FAIL_TO_PASS and every
 * PASS_TO_PASS test passes. XFAIL counts as a pass; a test missing from the log (it never ran,
 * or the run timed out before it) fails; a skipped FAIL_TO_PASS test fails (it proves nothing),
 * while a skipped PASS_TO_PASS test is not held against the patch, as in the official harness.
 */
export function gradeTests(
  statuses: StatusMap,
  failToPass: readonly string[],
  passToPass: readonly string[],
): { tests_status: TestsStatus; resolved: boolean } {
  const f2p: TestGroup = { success: [], failure: [] };
  const p2p: TestGroup = { success: [], failure: [] };
  for (const name of failToPass) (passes(statuses.get(name)) ? f2p.success : f2p.failure).push(name);
  for (const name of passToPass) {
    const status = statuses.get(name);
    (passes(status) || status === "SKIPPED" ? p2p.success : p2p.failure).push(name);
  }
  return {
    tests_status: {
      FAIL_TO_PASS: f2p,
      PASS_TO_PASS: p2p,
      FAIL_TO_FAIL: { success: [], failure: [] },
      PASS_TO_FAIL: { success: [], failure: [] },
    },
    resolved: f2p.failure.length === 0 && p2p.failure.length === 0,
  };
}
