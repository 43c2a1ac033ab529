import { type ParserName, type StatusMap, setStatus, type TestStatus } from "./status.js";

/*
 * Test-log parsers. Each reads the combined stdout/stderr of a test command and returns the
 * statuses it recognises, named as SWE-bench names them (pytest node ids, unittest's
 * "test_x (module.Class)" or a Django docstring, node's test names).
 */

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function cleanLines(log: string): string[] {
  return log.replace(ANSI, "").replace(/\r\n?/g, "\n").split("\n");
}

const PYTEST_WORDS: Record<string, TestStatus> = {
  PASSED: "PASSED",
  FAILED: "FAILED",
  ERROR: "ERROR",
  SKIPPED: "SKIPPED",
  XFAIL: "XFAIL",
  // An unexpected pass of a strict xfail fails the run; a non-strict one is reported as XPASS
  // and counts as a pass, as in SWE-bench.
  XPASS: "PASSED",
};

/**
 * pytest, from `-rA` short-summary lines ("PASSED tests/t.py::test_a", "FAILED tests/t.py::b -
 * msg") and from `-v` progress lines ("tests/t.py::test_a PASSED [ 50%]").
 */
export function parsePytestLog(log: string): StatusMap {
  const map: StatusMap = new Map();
  for (const line of cleanLines(log)) {
    const summary = /^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+::\S.*?)(?: - .*)?$/.exec(line);
    if (summary) {
      setStatus(map, summary[2]!.trim(), PYTEST_WORDS[summary[1]!]!);
      continue;
    }
    const verbose = /^(\S+::\S.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?:\s+\[\s*\d+%\])?\s*$/.exec(
      line,
    );
    if (verbose) setStatus(map, verbose[1]!, PYTEST_WORDS[verbose[2]!]!);
  }
  return map;
}

/**
 * unittest (and Django's runner) at verbosity 2: "test_a (pkg.mod.Class) ... ok", "FAIL",
 * "ERROR", "skipped 'why'", "expected failure", "unexpected success". When a test has a
 * docstring, its first line is printed under the name and carries the result: that line is
 * the name, as in SWE-bench's Django parser.
 */
export function parseUnittestLog(log: string): StatusMap {
  const map: StatusMap = new Map();
  for (const line of cleanLines(log)) {
    const match = /^(.+?) \.\.\. (ok|OK|FAIL|ERROR|skipped.*|expected failure|unexpected success)\s*$/.exec(
      line,
    );
    if (!match) continue;
    const word = match[2]!;
    const status: TestStatus =
      word === "ok" || word === "OK"
        ? "PASSED"
        : word === "FAIL" || word === "unexpected success"
          ? "FAILED"
          : word === "ERROR"
            ? "ERROR"
            : word === "expected failure"
              ? "XFAIL"
              : "SKIPPED";
    setStatus(map, match[1]!.trim(), status);
  }
  return map;
}

/**
 * node's test runner, TAP reporter ("ok 1 - name", "not ok 2 - name # SKIP", indented for
 * subtests) and spec reporter ("✔ name (1.2ms)", "✖ name", "﹣ name # SKIP").
 */
export function parseNodeTestLog(log: string): StatusMap {
  const map: StatusMap = new Map();
  for (const line of cleanLines(log)) {
    const tap = /^\s*(not ok|ok) \d+ - (.*?)(?:\s+#\s*(SKIP|TODO)\b.*)?$/.exec(line);
    if (tap) {
      const ok = tap[1] === "ok";
      // A TODO test's failure is expected (XFAIL); a skipped test did not run.
      const status: TestStatus =
        tap[3] === "SKIP" ? "SKIPPED" : ok ? "PASSED" : tap[3] === "TODO" ? "XFAIL" : "FAILED";
      setStatus(map, tap[2]!.trim(), status);
      continue;
    }
    // "✔ name (0.5ms)", "✖ name (1ms)", "﹣ name (0.1ms) # reason", "✔ name (0.1ms) # TODO"
    const spec = /^\s*([✔✖﹣])\s+(.*?)\s+\([\d.]+m?s\)(?:\s+#\s*(.*))?\s*$/.exec(line);
    if (spec) {
      const mark = spec[1]!;
      const todo = /^TODO\b/.test(spec[3] ?? "");
      const status: TestStatus =
        mark === "﹣" ? "SKIPPED" : mark === "✔" ? "PASSED" : todo ? "XFAIL" : "FAILED";
      setStatus(map, spec[2]!.trim(), status);
    }
  }
  return map;
}

/** The log parsers that `auto` tries, in order of preference on a tie. */
export const LOG_PARSERS: Record<Exclude<ParserName, "junit" | "exit-code">, (log: string) => StatusMap> = {
  pytest: parsePytestLog,
  unittest: parseUnittestLog,
  node: parseNodeTestLog,
};

/**
 * Read a log with every parser and keep the one that recognised the most tests; null when
 * none recognised any (the command is then judged by its exit code).
 */
export function parseLogAuto(log: string): { parser: ParserName; statuses: StatusMap } | null {
  let best: { parser: ParserName; statuses: StatusMap } | null = null;
  for (const [parser, parse] of Object.entries(LOG_PARSERS)) {
    const statuses = parse(log);
    if (statuses.size > 0 && (best === null || statuses.size > best.statuses.size))
      best = { parser: parser as ParserName, statuses };
  }
  return best;
}
