/**
 * Per-test statuses, as SWE-bench's log parsers produce them: a map from test name (in the
 * naming of the task's FAIL_TO_PASS / PASS_TO_PASS lists) to a status.
 */
export const TEST_STATUSES = ["PASSED", "FAILED", "SKIPPED", "ERROR", "XFAIL"] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];
export type StatusMap = Map<string, TestStatus>;

/** Which parser read a test log. */
export const PARSERS = ["junit", "pytest", "unittest", "node", "exit-code"] as const;
export type ParserName = (typeof PARSERS)[number];

/**
 * Record a status, keeping the worst one when a name appears twice (a test that passed in its
 * call phase and errored in its teardown has failed).
 */
export function setStatus(map: StatusMap, name: string, status: TestStatus): void {
  const previous = map.get(name);
  if (previous === undefined || rank(status) > rank(previous)) map.set(name, status);
}

function rank(status: TestStatus): number {
  return { SKIPPED: 0, PASSED: 1, XFAIL: 1, FAILED: 2, ERROR: 3 }[status];
}
