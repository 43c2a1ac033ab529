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
 * A listed test's status. Exact name first; else the harness's convention: its pytest parser
 * keeps a summary line's name only up to the first space (`line.split()[1]`), so SWE-bench's
 * lists hold ids like `t.py::test_x[a` for `t.py::test_x[a b]` (brackets left unbalanced). Such a
 * listed id matches the logged names that, cut at their first space, equal it (worst status).
 */
function statusOf(statuses: StatusMap, cut: Map<string, TestStatus[]>, name: string): TestStatus | undefined {
  const exact = statuses.get(name);
  if (exact !== undefined) return exact;
  const found = cut.get(name);
  if (!found) return undefined;
  return found.reduce((worst, s) => (rank(s) > rank(worst) ? s : worst));
}

function rank(status: TestStatus): number {
  return { SKIPPED: 0, PASSED: 1, XFAIL: 1, FAILED: 2, ERROR: 3 }[status];
}

/**
 * SWE-bench's grading rule (METHOD.md section 3): resolved iff every FAIL_TO_PASS and every
 * PASS_TO_PASS test passes. XFAIL counts as a pass; a test missing from the log (it never ran,
 * or the run timed out before it) fails; a skipped FAIL_TO_PASS test fails (sealign's rule: it
 * proves nothing; the harness leaves it out of both lists), and a skipped PASS_TO_PASS test is
 * in neither list, as in the harness's get_eval_tests_report: not held against the patch.
 */
export function gradeTests(
  statuses: StatusMap,
  failToPass: readonly string[],
  passToPass: readonly string[],
): { tests_status: TestsStatus; resolved: boolean } {
  const f2p: TestGroup = { success: [], failure: [] };
  const p2p: TestGroup = { success: [], failure: [] };
  const cut = new Map<string, TestStatus[]>();
  for (const [name, status] of statuses) {
    const at = name.indexOf(" ");
    if (at < 0) continue;
    const short = name.slice(0, at);
    cut.set(short, [...(cut.get(short) ?? []), status]);
  }
  for (const name of failToPass)
    (passes(statusOf(statuses, cut, name)) ? f2p.success : f2p.failure).push(name);
  for (const name of passToPass) {
    const status = statusOf(statuses, cut, name);
    if (status === "SKIPPED") continue;
    (passes(status) ? p2p.success : p2p.failure).push(name);
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
