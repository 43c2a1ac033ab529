import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinTasksDir, loadBuiltinTask, loadBuiltinTasks } from "../src/builtin/load.js";
import { InputError } from "../src/errors.js";
import { bwrapAvailable, runSandboxed } from "../src/sandbox/bwrap.js";
import { cloneWorkspace, git, prepareBase, removeWorkspace, writeFiles } from "../src/sandbox/workspace.js";
import type { Task } from "../src/schema/task.js";
import { tempDir } from "./helpers/paths.js";

/** Per-test statuses from pytest -rA summary lines or node's TAP lines (enough for this check). */
function statuses(output: string): Map<string, boolean> {
  const map = new Map<string, boolean>();
  for (const line of output.split("\n")) {
    const py = /^(PASSED|FAILED|ERROR) (\S+::\S+)/.exec(line);
    if (py) map.set(py[2]!, py[1] === "PASSED");
    const tap = /^\s*(not ok|ok) \d+ - (.*)$/.exec(line);
    if (tap) map.set(tap[2]!.trim(), tap[1] === "ok");
  }
  return map;
}

async function runTests(task: Task, withGold: boolean): Promise<Map<string, boolean>> {
  const base = await prepareBase(task);
  const dir = await cloneWorkspace(base, { name: task.instance_id });
  try {
    if (withGold) {
      writeFileSync(join(dir, ".gold.patch"), task.patch);
      await git(dir, ["apply", ".gold.patch"]);
    }
    await writeFiles(dir, task.test_files ?? {});
    const result = await runSandboxed(task.test_command!, {
      workspace: dir,
      timeoutMs: 60_000,
      unsafeNoSandbox: !bwrapAvailable(),
    });
    expect(result.timedOut).toBe(false);
    return statuses(result.output);
  } finally {
    await removeWorkspace(dir);
    await removeWorkspace(base.dir);
  }
}

describe("built-in task suite", async () => {
  const tasks = await loadBuiltinTasks();

  it("has at least 24 tasks, half Python and half JavaScript, with varied bug kinds", () => {
    expect(tasks.length).toBeGreaterThanOrEqual(24);
    const python = tasks.filter((t) => t.language === "python").length;
    const js = tasks.filter((t) => t.language === "javascript").length;
    expect(python).toBeGreaterThanOrEqual(12);
    expect(js).toBeGreaterThanOrEqual(12);
    const kinds = new Set(tasks.map((t) => String((t as Record<string, unknown>).bug_kind)));
    for (const kind of ["logic", "boundary", "wrong API use", "missing case", "regression across two files"])
      expect(kinds).toContain(kind);
    for (const task of tasks) {
      expect(
        Object.keys(task.files ?? {}).filter((p) => !p.startsWith("tests/")).length,
      ).toBeGreaterThanOrEqual(2);
      expect(task.problem_statement.length).toBeGreaterThan(80);
      expect(task.patch).toMatch(/^diff --git /);
      expect(Object.keys(task.test_files ?? {}).length).toBeGreaterThan(0);
    }
    expect(new Set(tasks.map((t) => t.instance_id)).size).toBe(tasks.length);
  });

  it.each(tasks.map((t) => [t.instance_id, t] as const))(
    "%s fails FAIL_TO_PASS before the gold patch and passes everything after",
    async (_id, task) => {
      const before = await runTests(task, false);
      for (const name of task.FAIL_TO_PASS) expect(before.get(name), `${name} before gold`).not.toBe(true);
      for (const name of task.PASS_TO_PASS) expect(before.get(name), `${name} before gold`).toBe(true);
      const after = await runTests(task, true);
      for (const name of [...task.FAIL_TO_PASS, ...task.PASS_TO_PASS])
        expect(after.get(name), `${name} after gold`).toBe(true);
    },
    60_000,
  );

  it("names the file and field of a broken task folder", async () => {
    const dir = tempDir();
    const folder = join(dir, "bad");
    mkdirSync(join(folder, "repo"), { recursive: true });
    writeFileSync(join(folder, "task.json"), "{ not json");
    await expect(loadBuiltinTask(folder)).rejects.toThrow(InputError);
    await expect(loadBuiltinTask(folder)).rejects.toThrow(/task\.json/);
    writeFileSync(join(folder, "task.json"), JSON.stringify({ instance_id: "x", language: "python" }));
    await expect(loadBuiltinTask(folder)).rejects.toThrow(/field test_command/);
    writeFileSync(
      join(folder, "task.json"),
      JSON.stringify({
        instance_id: "x",
        language: "python",
        test_command: "true",
        FAIL_TO_PASS: [],
        PASS_TO_PASS: [],
      }),
    );
    await expect(loadBuiltinTask(folder)).rejects.toThrow(/issue\.md/);
  });

  it("ships in the package", async () => {
    const pkg = (await import("../package.json", { with: { type: "json" } })).default as { files: string[] };
    expect(pkg.files).toContain("tasks");
    expect(builtinTasksDir()).toMatch(/tasks[/\\]builtin$/);
  });
});
