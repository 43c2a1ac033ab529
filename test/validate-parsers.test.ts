import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseTask } from "../src/schema/validate.js";
import { gradeTests } from "../src/validate/grading.js";
import { readPredictions } from "../src/validate/inputs.js";
import { parseJunitXml } from "../src/validate/junit.js";
import { normalisePatch, patchDigest } from "../src/validate/normalise.js";
import {
  parseLogAuto,
  parseNodeTestLog,
  parsePytestLog,
  parseUnittestLog,
} from "../src/validate/parse-log.js";
import type { StatusMap } from "../src/validate/status.js";
import { runsPytest, testCommandOf } from "../src/validate/test-command.js";
import { clipMiddle, judgedByExitCode } from "../src/validate/validate-one.js";
import { tempDir } from "./helpers/paths.js";

describe("test-log parsers", () => {
  it("reads pytest -rA summaries and -v progress lines, worst status winning", () => {
    const log = [
      "tests/test_a.py::test_one PASSED                                  [ 25%]",
      "tests/test_a.py::TestK::test_two[1-2] FAILED                      [ 50%]",
      "\u001b[32mPASSED\u001b[0m tests/test_a.py::test_three",
      "FAILED tests/test_a.py::TestK::test_two[1-2] - AssertionError: 1 != 2",
      "ERROR tests/test_a.py::test_one - RuntimeError: teardown",
      "XFAIL tests/test_a.py::test_four - known bug",
      "SKIPPED [1] tests/test_a.py:40: needs network",
      "=================== 1 failed, 2 passed in 0.12s ===================",
    ].join("\n");
    const map = parsePytestLog(log);
    expect(Object.fromEntries(map)).toEqual({
      "tests/test_a.py::test_one": "ERROR",
      "tests/test_a.py::TestK::test_two[1-2]": "FAILED",
      "tests/test_a.py::test_three": "PASSED",
      "tests/test_a.py::test_four": "XFAIL",
    });
  });

  it("reads unittest and Django verbose output, docstring lines included", () => {
    const log = [
      "test_ok (pkg.tests.T) ... ok",
      "test_bad (pkg.tests.T) ... FAIL",
      "test_boom (pkg.tests.T) ... ERROR",
      "test_skip (pkg.tests.T) ... skipped 'not here'",
      "test_xf (pkg.tests.T) ... expected failure",
      "test_doc (sitemaps_tests.test_http.HTTPSitemapTests)",
      "A cached sitemap index can be rendered (#2713). ... ok",
      "----------------------------------------------------------------------",
      "Ran 6 tests in 0.010s",
    ].join("\n");
    expect(Object.fromEntries(parseUnittestLog(log))).toEqual({
      "test_ok (pkg.tests.T)": "PASSED",
      "test_bad (pkg.tests.T)": "FAILED",
      "test_boom (pkg.tests.T)": "ERROR",
      "test_skip (pkg.tests.T)": "SKIPPED",
      "test_xf (pkg.tests.T)": "XFAIL",
      "A cached sitemap index can be rendered (#2713).": "PASSED",
    });
  });

  it("reads node's test runner in TAP and spec form", () => {
    const tap = [
      "TAP version 13",
      "# Subtest: adds",
      "ok 1 - adds",
      "not ok 2 - subtracts",
      "ok 3 - later # SKIP no time",
      "    ok 1 - inner",
    ].join("\n");
    expect(Object.fromEntries(parseNodeTestLog(tap))).toEqual({
      adds: "PASSED",
      subtracts: "FAILED",
      later: "SKIPPED",
      inner: "PASSED",
    });
    const spec = [
      "✔ adds (0.51ms)",
      "✖ subtracts (1.2ms)",
      "  Error: x",
      "﹣ later (0.07ms) # no time",
      "✔ todo one (0.07ms) # TODO",
      "▶ outer",
      "ℹ tests 3",
      "✖ failing tests:",
    ].join("\n");
    expect(Object.fromEntries(parseNodeTestLog(spec))).toEqual({
      adds: "PASSED",
      subtracts: "FAILED",
      later: "SKIPPED",
      "todo one": "PASSED",
    });
  });

  it("auto picks the parser that recognises most, and none for a plain script's output", () => {
    expect(parseLogAuto("test_x (m.T) ... ok\ntest_y (m.T) ... FAIL\n")?.parser).toBe("unittest");
    expect(parseLogAuto("ok 1 - a\nok 2 - b\n")?.parser).toBe("node");
    expect(parseLogAuto("Traceback (most recent call last):\nAssertionError\n")).toBeNull();
    expect(parseLogAuto("")).toBeNull();
  });

  it("reads pytest's JUnit XML into node ids, with xfail, skips, errors and entities", () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="5">
<testcase classname="tests.test_a" name="test_one" file="tests/test_a.py" line="3" time="0.001" />
<testcase classname="tests.test_a.TestK" name="test_two[a&amp;b]" file="tests/test_a.py" line="9"><failure message="boom">trace</failure></testcase>
<testcase classname="tests.test_a" name="test_three" file="tests/test_a.py"><skipped type="pytest.xfail" message="bug" /></testcase>
<testcase classname="tests.test_a" name="test_four" file="tests/test_a.py"><skipped type="pytest.skip" message="later" /></testcase>
<testcase classname="tests.test_a" name="test_five" file="tests/test_a.py"><error message="fixture">x</error></testcase>
</testsuite></testsuites>`;
    expect(Object.fromEntries(parseJunitXml(xml))).toEqual({
      "tests/test_a.py::test_one": "PASSED",
      "tests/test_a.py::TestK::test_two[a&b]": "FAILED",
      "tests/test_a.py::test_three": "XFAIL",
      "tests/test_a.py::test_four": "SKIPPED",
      "tests/test_a.py::test_five": "ERROR",
    });
    expect(parseJunitXml("not xml at all").size).toBe(0);
  });
});

describe("SWE-bench grading", () => {
  const map = (entries: Record<string, string>) => new Map(Object.entries(entries)) as StatusMap;

  it("resolves only when every FAIL_TO_PASS and PASS_TO_PASS test passes (XFAIL counts)", () => {
    const ok = gradeTests(map({ a: "PASSED", b: "XFAIL", c: "PASSED" }), ["a", "b"], ["c"]);
    expect(ok.resolved).toBe(true);
    expect(ok.tests_status.FAIL_TO_PASS).toEqual({ success: ["a", "b"], failure: [] });
    const bad = gradeTests(map({ a: "PASSED", c: "ERROR" }), ["a"], ["c"]);
    expect(bad.resolved).toBe(false);
    expect(bad.tests_status.PASS_TO_PASS.failure).toEqual(["c"]);
  });

  it("fails a test that never ran and a skipped FAIL_TO_PASS test; a skipped PASS_TO_PASS is not held against", () => {
    const missing = gradeTests(map({ a: "PASSED" }), ["a", "never"], []);
    expect(missing.resolved).toBe(false);
    expect(missing.tests_status.FAIL_TO_PASS.failure).toEqual(["never"]);
    expect(gradeTests(map({ a: "SKIPPED" }), ["a"], []).resolved).toBe(false);
    expect(gradeTests(map({ a: "PASSED", p: "SKIPPED" }), ["a"], ["p"]).resolved).toBe(true);
  });

  it("a skipped PASS_TO_PASS test is in neither list, as in the harness's get_eval_tests_report", () => {
    const graded = gradeTests(map({ a: "PASSED", p: "SKIPPED", q: "PASSED" }), ["a"], ["p", "q"]);
    expect(graded.tests_status.PASS_TO_PASS).toEqual({ success: ["q"], failure: [] });
  });

  it("matches SWE-bench's ids cut at the first space (unbalanced brackets) to the logged names", () => {
    // the harness's parse_log_pytest keeps `line.split()[1]`: the lists hold the cut id
    const logged = parsePytestLog(
      [
        "PASSED tests/t.py::test_msg[a b]",
        "PASSED tests/t.py::test_msg[a c]",
        "FAILED tests/t.py::test_other[x y] - AssertionError",
        "PASSED tests/t.py::test_plain",
      ].join("\n"),
    );
    const graded = gradeTests(
      logged,
      ["tests/t.py::test_msg[a"],
      ["tests/t.py::test_plain", "tests/t.py::test_other[x"],
    );
    expect(graded.tests_status.FAIL_TO_PASS.success).toEqual(["tests/t.py::test_msg[a"]);
    expect(graded.tests_status.PASS_TO_PASS.failure).toEqual(["tests/t.py::test_other[x"]);
    expect(graded.resolved).toBe(false);
    // a cut id never matches a name that differs before the space
    expect(gradeTests(logged, ["tests/t.py::test_msg[b"], []).resolved).toBe(false);
  });
});

describe("patch normalisation (the cache key)", () => {
  const patch = [
    "diff --git a/b.py b/b.py",
    "index 1111111..2222222 100644",
    "--- a/b.py",
    "+++ b/b.py",
    "@@ -1,2 +1,2 @@ def f():",
    " x = 1",
    "-y = 2",
    "+y = 3",
    "diff --git a/a.py b/a.py",
    "--- a/a.py",
    "+++ b/a.py",
    "@@ -1 +1 @@",
    "-old",
    "+new",
    "",
  ].join("\n");

  it("ignores CRLF, trailing blanks, index lines, hunk-header hints and file order", () => {
    const [first, second] = patch.split("diff --git a/a.py");
    const reordered = `diff --git a/a.py${second}${first}`;
    const noisy = reordered
      .replace("index 1111111..2222222 100644\n", "index abcdef0..1234567 100644\n")
      .replace("@@ -1,2 +1,2 @@ def f():", "@@ -1,2 +1,2 @@")
      .replace("+y = 3", "+y = 3   ")
      .replace(/\n/g, "\r\n");
    expect(normalisePatch(noisy)).toBe(normalisePatch(patch));
    expect(patchDigest(`${noisy}\n\n`)).toBe(patchDigest(patch));
  });

  it("keeps every real change apart", () => {
    expect(patchDigest(patch.replace("+y = 3", "+y = 4"))).not.toBe(patchDigest(patch));
    expect(patchDigest(patch.replace("+y = 3", "+ y = 3"))).not.toBe(patchDigest(patch));
  });
});

describe("predictions and test commands", () => {
  it("reads JSONL, a JSON list and a dict keyed by id; null patches are kept as None", async () => {
    const dir = tempDir();
    const jsonl = join(dir, "p.jsonl");
    writeFileSync(
      jsonl,
      `${JSON.stringify({ instance_id: "a", model_name_or_path: "m", model_patch: "x" })}\n${JSON.stringify({ instance_id: "b", model_patch: null })}\n`,
    );
    expect(await readPredictions(jsonl)).toEqual([
      { id: "a", taskId: "a", patch: "x", model: "m" },
      { id: "b", taskId: "b", patch: null, model: "unknown" },
    ]);
    const list = join(dir, "p.json");
    writeFileSync(list, JSON.stringify([{ instance_id: "a", model_patch: "" }]));
    expect((await readPredictions(list))[0]!.patch).toBe("");
    const dict = join(dir, "d.json");
    writeFileSync(
      dict,
      JSON.stringify({ a: { model_name_or_path: "m", model_patch: "p" }, b: { model_patch: "q" } }),
    );
    expect((await readPredictions(dict)).map((i) => [i.id, i.patch])).toEqual([
      ["a", "p"],
      ["b", "q"],
    ]);
  });

  it("names the file, line and field of a bad prediction", async () => {
    const dir = tempDir();
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      `${JSON.stringify({ instance_id: "a", model_patch: "x" })}\n${JSON.stringify({ instance_id: "b", model_patch: 3 })}\n`,
    );
    await expect(readPredictions(bad)).rejects.toThrow(/bad\.jsonl:2: field model_patch/);
    const dup = join(dir, "dup.jsonl");
    writeFileSync(
      dup,
      `${JSON.stringify({ instance_id: "a", model_patch: "x" })}\n${JSON.stringify({ instance_id: "a", model_patch: "y" })}\n`,
    );
    await expect(readPredictions(dup)).rejects.toBeInstanceOf(InputError);
    const broken = join(dir, "broken.jsonl");
    writeFileSync(
      broken,
      `${JSON.stringify({ instance_id: "a", model_patch: "x" })}\n{"instance_id": "b", "model_pa`,
    );
    await expect(readPredictions(broken)).rejects.toThrow(/broken\.jsonl:2/);
  });

  it("derives pytest on a SWE-bench test_patch's files, and refuses a task with no way to run tests", () => {
    const task = parseTask({
      instance_id: "x__y-1",
      problem_statement: "p",
      test_patch:
        "diff --git a/tests/test_q.py b/tests/test_q.py\n--- a/tests/test_q.py\n+++ b/tests/test_q.py\n",
    });
    expect(testCommandOf(task)).toBe("python -m pytest -rA tests/test_q.py");
    expect(runsPytest(testCommandOf(task))).toBe(true);
    expect(runsPytest("python3 test.py")).toBe(false);
    expect(testCommandOf(task, "tox")).toBe("tox");
    expect(() => testCommandOf(parseTask({ instance_id: "z", problem_statement: "p" }))).toThrow(InputError);
  });
});

describe("instance logs", () => {
  it("keep the head and the tail of a flood of output", () => {
    const text = `${"a".repeat(1000)}${"b".repeat(5000)}SUMMARY`;
    const clipped = clipMiddle(text, 800);
    expect(clipped.startsWith("a".repeat(100))).toBe(true);
    expect(clipped.endsWith("SUMMARY")).toBe(true);
    expect(clipped).toContain("characters cut by sealign");
    expect(clipped.length).toBeLessThan(900);
    expect(clipMiddle("short", 800)).toBe("short");
  });
});

describe("exit-code fallback", () => {
  it("applies to whole test files and commands, never to named tests", () => {
    expect(judgedByExitCode(["test.py"])).toBe(true);
    expect(judgedByExitCode(["test.js", "tests/check.sh"])).toBe(true);
    expect(judgedByExitCode([])).toBe(true);
    expect(judgedByExitCode(["tests/t.py::test_a"])).toBe(false);
    expect(judgedByExitCode(["test_a (m.T)"])).toBe(false);
    expect(judgedByExitCode(["adds"])).toBe(false);
  });
});
