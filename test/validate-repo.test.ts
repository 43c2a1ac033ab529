import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readReport, validateRun } from "../src/validate/run.js";
import { CLI, sharedData, tempDir } from "./helpers/paths.js";
import { prediction } from "./validate-fixtures.js";

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}

/**
 * A SWE-bench-style instance on a local clone: no inline files, no test_command. The tests come
 * as a test_patch; the command is derived (pytest on the files the test_patch touches) and its
 * per-test verdicts come from JUnit XML.
 */
describe("validate a SWE-bench-style repository task", { timeout: 240_000 }, () => {
  it("checks out base_commit from --repos, applies model and test patches, and grades named pytest tests", async () => {
    const dir = tempDir("sealign-validate-repo-");
    const repo = join(dir, "repos", "acme", "calc");
    mkdirSync(join(repo, "tests"), { recursive: true });
    git(repo, "init", "-q", "-b", "main");
    writeFileSync(
      join(repo, "calc.py"),
      "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n",
    );
    writeFileSync(
      join(repo, "tests", "test_mul.py"),
      "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
    );
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "base");
    const base = git(repo, "rev-parse", "HEAD");
    // A later commit the base must not see.
    writeFileSync(join(repo, "LATER.md"), "later\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "later");

    const testPatch = [
      "diff --git a/tests/test_add.py b/tests/test_add.py",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/tests/test_add.py",
      "@@ -0,0 +1,9 @@",
      "+from calc import add",
      "+",
      "+",
      "+def test_add():",
      "+    assert add(2, 3) == 5",
      "+",
      "+",
      "+def test_add_zero():",
      "+    assert add(0, 0) == 0",
      "",
    ].join("\n");
    const task = {
      instance_id: "acme__calc-1",
      repo: "acme/calc",
      base_commit: base,
      problem_statement: "add subtracts",
      test_patch: testPatch,
      FAIL_TO_PASS: JSON.stringify(["tests/test_add.py::test_add"]),
      // As in SWE-bench, only the test files of the test_patch run: PASS_TO_PASS lists tests there.
      PASS_TO_PASS: JSON.stringify(["tests/test_add.py::test_add_zero"]),
    };
    const tasksFile = join(dir, "tasks.json");
    writeFileSync(tasksFile, JSON.stringify([task]));
    const fix =
      "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,4 +1,4 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n \n \n";
    // The model also "fixes" the test file the test_patch brings: that edit must not count.
    const cheat = `${fix}diff --git a/tests/test_add.py b/tests/test_add.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_add.py\n@@ -0,0 +1 @@\n+pass\n`;
    const input = join(dir, "predictions.json");
    writeFileSync(input, JSON.stringify({ "acme__calc-1": { model_name_or_path: "m", model_patch: cheat } }));
    const summary = await validateRun({
      input,
      tasks: tasksFile,
      out: join(dir, "out"),
      reposDir: join(dir, "repos"),
      timeoutS: 60,
      cacheDir: null,
      progress: null,
    });
    const report = (await readReport(join(dir, "out")))["acme__calc-1"]!;
    expect(report.parser).toBe("junit");
    expect(report.resolved).toBe(true);
    expect(report.tests_status.FAIL_TO_PASS).toEqual({
      success: ["tests/test_add.py::test_add"],
      failure: [],
    });
    expect(report.tests_status.PASS_TO_PASS!.success).toEqual(["tests/test_add.py::test_add_zero"]);
    expect(summary.resolved_ids).toEqual(["acme__calc-1"]);

    // Without the fix: the FAIL_TO_PASS test fails by name, the others pass.
    writeFileSync(
      input,
      `${prediction("acme__calc-1", "diff --git a/NOTES b/NOTES\nnew file mode 100644\n--- /dev/null\n+++ b/NOTES\n@@ -0,0 +1 @@\n+x\n")}\n`,
    );
    await validateRun({
      input,
      tasks: tasksFile,
      out: join(dir, "out2"),
      reposDir: join(dir, "repos"),
      timeoutS: 60,
      cacheDir: null,
      progress: null,
    });
    const unfixed = (await readReport(join(dir, "out2")))["acme__calc-1"]!;
    expect(unfixed.resolved).toBe(false);
    expect(unfixed.tests_status.FAIL_TO_PASS!.failure).toEqual(["tests/test_add.py::test_add"]);
    expect(unfixed.tests_status.PASS_TO_PASS!.failure).toEqual([]);
  });

  it("refuses real SWE-bench instances without local clones, before running anything (exit 2)", () => {
    const dir = tempDir("sealign-validate-repo-");
    const input = join(dir, "gold.jsonl");
    const tasks = sharedData("swe-bench-lite-sample.json");
    const rows = JSON.parse(execFileSync("cat", [tasks], { encoding: "utf8" })) as {
      instance_id: string;
      patch: string;
    }[];
    writeFileSync(input, `${rows.map((r) => prediction(r.instance_id, r.patch, "gold")).join("\n")}\n`);
    const result = spawnSync(
      process.execPath,
      // --runtime local: without it, these go to docker when a daemon answers (test/runtime-docker.test.ts)
      [CLI, "validate", input, "--tasks", tasks, "-o", join(dir, "out"), "--runtime", "local"],
      { encoding: "utf8" },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("swe-bench-lite-sample.json");
    expect(result.stderr).toMatch(/give --repos DIR holding a local clone of django\/django/);
  });
});

describe("a command that exits 0 without running the named tests", { timeout: 240_000 }, () => {
  it("does not resolve: tests no parser found never ran", async () => {
    const dir = tempDir("sealign-validate-repo-");
    const task = {
      instance_id: "inline-silent",
      problem_statement: "p",
      files: { "a.txt": "a\n" },
      test_command: "echo nothing to see",
      FAIL_TO_PASS: ["test_thing (pkg.tests.T)"],
    };
    const tasksFile = join(dir, "tasks.json");
    writeFileSync(tasksFile, JSON.stringify([task]));
    const input = join(dir, "p.jsonl");
    writeFileSync(
      input,
      `${prediction("inline-silent", "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n")}\n`,
    );
    await validateRun({
      input,
      tasks: tasksFile,
      out: join(dir, "out"),
      timeoutS: 30,
      cacheDir: null,
      progress: null,
    });
    const report = (await readReport(join(dir, "out")))["inline-silent"]!;
    expect(report.exit_code).toBe(0);
    expect(report.parser).toBeNull();
    expect(report.resolved).toBe(false);
    expect(report.tests_status.FAIL_TO_PASS!.failure).toEqual(["test_thing (pkg.tests.T)"]);
  });
});
