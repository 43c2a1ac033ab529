import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBuiltinTasks } from "../src/builtin/load.js";
import { readReport, validateRun } from "../src/validate/run.js";
import { tempDir } from "./helpers/paths.js";
import { prediction } from "./validate-fixtures.js";

/**
 * Multi-file repositories with real test runners (pytest, node --test): per-test statuses come
 * from JUnit XML and TAP, graded against FAIL_TO_PASS / PASS_TO_PASS by name.
 */
describe("validate on the built-in pytest and node --test tasks", { timeout: 240_000 }, () => {
  it("resolves gold patches by per-test status, and leaves an unrelated patch unresolved with named failures", async () => {
    const all = await loadBuiltinTasks();
    const pick = [
      ...all.filter((t) => t.language === "python").slice(0, 2),
      ...all.filter((t) => t.language === "javascript").slice(0, 2),
    ];
    expect(pick).toHaveLength(4);
    const dir = tempDir("sealign-validate-builtin-");
    const tasksFile = join(dir, "tasks.json");
    writeFileSync(tasksFile, JSON.stringify(pick));
    const unrelated =
      "diff --git a/NOTES.md b/NOTES.md\nnew file mode 100644\n--- /dev/null\n+++ b/NOTES.md\n@@ -0,0 +1 @@\n+notes\n";
    // Predictions allow one per instance: gold for the first of each language, unrelated for the second.
    const lines = pick.map((t, i) =>
      prediction(t.instance_id, i % 2 === 0 ? t.patch : unrelated, "gold-or-not"),
    );
    const input = join(dir, "predictions.json");
    writeFileSync(input, `[${lines.join(",")}]`);
    const summary = await validateRun({
      input,
      tasks: tasksFile,
      out: join(dir, "out"),
      workers: 2,
      timeoutS: 60,
      cacheDir: null,
      progress: null,
    });
    const report = await readReport(join(dir, "out"));
    for (const [i, task] of pick.entries()) {
      const r = report[task.instance_id]!;
      expect(r.parser, task.instance_id).toBe(task.language === "python" ? "junit" : "node");
      const f2p = r.tests_status.FAIL_TO_PASS!;
      const p2p = r.tests_status.PASS_TO_PASS!;
      if (i % 2 === 0) {
        expect(r.resolved, task.instance_id).toBe(true);
        expect(f2p.success.sort()).toEqual([...task.FAIL_TO_PASS].sort());
        expect(p2p.success.sort()).toEqual([...task.PASS_TO_PASS].sort());
      } else {
        expect(r.resolved, task.instance_id).toBe(false);
        expect(f2p.failure.sort()).toEqual([...task.FAIL_TO_PASS].sort());
        expect(p2p.failure).toEqual([]);
      }
    }
    expect(summary.resolved_instances).toBe(2);
  });

  it("reads the same verdicts from pytest's -rA log when JUnit XML is not used", async () => {
    const py = (await loadBuiltinTasks()).filter((t) => t.language === "python").slice(0, 1);
    const dir = tempDir("sealign-validate-builtin-");
    const tasksFile = join(dir, "tasks.json");
    writeFileSync(tasksFile, JSON.stringify(py));
    const input = join(dir, "p.jsonl");
    writeFileSync(input, `${prediction(py[0]!.instance_id, py[0]!.patch)}\n`);
    await validateRun({
      input,
      tasks: tasksFile,
      out: join(dir, "out"),
      parser: "pytest",
      timeoutS: 60,
      cacheDir: null,
      progress: null,
    });
    const r = (await readReport(join(dir, "out")))[py[0]!.instance_id]!;
    expect(r.parser).toBe("pytest");
    expect(r.resolved).toBe(true);
    expect(r.tests_status.FAIL_TO_PASS!.success.sort()).toEqual([...py[0]!.FAIL_TO_PASS].sort());
  });
});
