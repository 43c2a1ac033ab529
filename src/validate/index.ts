/** Execution validation: run a task's tests on a patch and grade it by SWE-bench's rule. */
export { type Agreement, compareVerdicts, formatAgreement, readHarnessVerdicts } from "./agreement.js";
export { type ApplyResult, applyPatch, patchedFiles } from "./apply.js";
export { CACHE_FORMAT, defaultCacheDir, VerdictCache, type VerdictSettings, verdictKey } from "./cache.js";
export { gradeTests, type TestGroup, type TestsStatus } from "./grading.js";
export {
  detectInputFormat,
  type InputFormat,
  readPredictions,
  readTrajectoryItems,
  type ValidationItem,
} from "./inputs.js";
export { parseJunitXml } from "./junit.js";
export { isEmptyPatch, normalisePatch, patchDigest } from "./normalise.js";
export {
  LOG_PARSERS,
  parseLogAuto,
  parseNodeTestLog,
  parsePytestLog,
  parseUnittestLog,
} from "./parse-log.js";
export { readReport, type ValidateRunOptions, validateRun } from "./run.js";
export { PARSERS, type ParserName, type StatusMap, TEST_STATUSES, type TestStatus } from "./status.js";
export { type CacheStats, formatSummary, type ValidationSummary } from "./summary.js";
export { runsPytest, testCommandOf } from "./test-command.js";
export {
  reportWithoutRun,
  type ValidateOneOptions,
  type ValidationReport,
  validateOne,
} from "./validate-one.js";
