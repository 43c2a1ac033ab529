import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadBuiltinTasks } from "../src/builtin/load.js";
import { readJsonl } from "../src/io/jsonl.js";
import { bwrapAvailable } from "../src/sandbox/bwrap.js";
import { git, writeFiles } from "../src/sandbox/workspace.js";
import { applyMutation, codeMask, mutationsOf } from "../src/synth/mutate.js";
import { detectTestCommand, issueText, isTestFile, synthesizeTasks } from "../src/synth/synth.js";
import { validateRun } from "../src/validate/run.js";
import { CLI, tempDir } from "./helpers/paths.js";

const exec = promisify(execFile);
const unsafeNoSandbox = !bwrapAvailable();

describe("mutations", () => {
  it("mutates operators, boundaries, conditions, negations and argument order in code only", () => {
    const source = [
      "def f(a, b):",
      '    msg = "a < b and not c"  # x < y',
      "    if a <= b and not a:",
      "        return g(a, b) + 1",
      "    return a",
    ].join("\n");
    const ms = mutationsOf("m.py", source, "python");
    const kinds = new Set(ms.map((m) => m.kind));
    for (const kind of ["operator", "boundary", "removed-condition", "negation-removed", "swapped-arguments"])
      expect(kinds).toContain(kind);
    expect(ms.every((m) => m.line !== 2)).toBe(true); // string and comment untouched
    expect(ms.every((m) => m.line !== 1)).toBe(true); // definitions untouched
    const swap = ms.find((m) => m.kind === "swapped-arguments")!;
    expect(swap.after.trim()).toBe("return g(b, a) + 1");
    expect(applyMutation(source, swap).split("\n")[3]).toBe(swap.after);
    expect(() => applyMutation("changed", swap)).toThrow(/does not read as expected/);
  });

  it("handles JavaScript conditions, template literals and block comments", () => {
    const source = [
      "/* a < b */",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source text under test
      "const s = `x < ${y}`;",
      "  if (!ok(a) && b === 2) return null;",
      "run(a, b) {",
    ].join("\n");
    const ms = mutationsOf("m.js", source, "javascript");
    expect(ms.filter((m) => m.line === 1 || m.line === 2 || m.line === 4)).toEqual([]);
    expect(ms.map((m) => m.after.trim())).toContain("if (true) return null;");
    expect(ms.map((m) => m.after.trim())).toContain("if (!ok(a) || b === 2) return null;");
    expect(ms.map((m) => m.after.trim())).toContain("if (ok(a) && b === 2) return null;");
    const masks = codeMask(['x = """a', "b < c", '"""; y < z'], "python");
    expect(masks[1]!.some(Boolean)).toBe(false);
  });

  it("detects test files and test commands, and refuses a repository without tests", () => {
    expect(isTestFile("tests/test_a.py")).toBe(true);
    expect(isTestFile("src/a.test.js")).toBe(true);
    expect(isTestFile("pkg/mod.py")).toBe(false);
    expect(detectTestCommand({ "tests/test_a.py": "" })).toMatch(/pytest/);
    expect(detectTestCommand({ "tests/a.test.js": "" })).toMatch(/node --test/);
    expect(() => detectTestCommand({ "a.py": "" })).toThrow(/no test files/);
    const text = issueText(["t::a"], 3, "E   AssertionError: 1 != 2\n");
    expect(text).toContain("`t::a`");
    expect(text).toContain("AssertionError");
  });
});

/** A built-in task's repository with its gold fix and hidden tests: a healthy repo with a suite. */
async function healthyRepo(name: string): Promise<string> {
  const [task] = await loadBuiltinTasks({ only: [name] });
  const dir = join(tempDir(), name);
  await writeFiles(dir, { ...task!.files!, ...task!.test_files! });
  writeFileSync(join(dir, "gold.patch"), task!.patch);
  await exec("git", ["apply", "gold.patch"], { cwd: dir });
  await exec("rm", ["gold.patch"], { cwd: dir });
  return dir;
}

describe("tasks synth", () => {
  it("yields tasks whose gold patch (the inverse mutation) validate confirms, and resumes", async () => {
    const repo = await healthyRepo("js-chunk-remainder");
    const out = join(tempDir(), "tasks.jsonl");
    const lines: string[] = [];
    const result = await synthesizeTasks({
      repo,
      out,
      maxTasks: 2,
      maxCandidates: 30,
      seed: 1,
      unsafeNoSandbox,
      progress: (l) => lines.push(l),
    });
    expect(result.tasks).toBe(2);
    expect(lines.join("\n")).toMatch(/tests pass before mutation/);
    const tasks = [];
    for await (const r of readJsonl(out)) tasks.push(r.value as Record<string, unknown>);
    expect(tasks).toHaveLength(2);
    for (const t of tasks) {
      expect((t.FAIL_TO_PASS as string[]).length).toBeGreaterThan(0);
      expect((t.PASS_TO_PASS as string[]).length).toBeGreaterThan(0);
      expect(String(t.problem_statement)).toMatch(/Tests fail/);
    }
    // Gold = inverse of the mutation: validate resolves every task with it.
    const predictions = join(tempDir(), "gold.jsonl");
    writeFileSync(
      predictions,
      tasks
        .map((t) =>
          JSON.stringify({ instance_id: t.instance_id, model_name_or_path: "gold", model_patch: t.patch }),
        )
        .join("\n"),
    );
    const vout = tempDir();
    const summary = await validateRun({
      input: predictions,
      tasks: out,
      out: vout,
      cacheDir: null,
      progress: null,
      unsafeNoSandbox,
    });
    expect(summary.resolved_instances).toBe(2);
    // And an empty patch resolves none (the mutant really breaks the tests).
    writeFileSync(
      predictions,
      tasks
        .map((t) => JSON.stringify({ instance_id: t.instance_id, model_name_or_path: "x", model_patch: "" }))
        .join("\n"),
    );
    const empty = await validateRun({
      input: predictions,
      tasks: out,
      out: tempDir(),
      cacheDir: null,
      progress: null,
      unsafeNoSandbox,
    });
    expect(empty.resolved_instances).toBe(0);
    // Resume: asking for 3 keeps the 2 and adds one more, without re-trying judged mutants.
    const again = await synthesizeTasks({
      repo,
      out,
      maxTasks: 3,
      maxCandidates: 30,
      seed: 1,
      unsafeNoSandbox,
      progress: () => {},
    });
    expect(again.resumed).toBe(2);
    expect(again.tasks).toBe(3);
    expect(again.tried).toBeLessThan(result.tried + 30);
    const ids = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).instance_id);
    expect(new Set(ids).size).toBe(3);
  }, 120_000);

  it("CLI: bad folder and a repository without tests exit 2 with a clear message", async () => {
    const missing = await exec("node", [CLI, "tasks", "synth", "/nonexistent/x", "-o", "/tmp/x.jsonl"]).catch(
      (e) => e,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nonexistent.*not a folder/);
    const dir = tempDir();
    writeFileSync(join(dir, "a.py"), "x = 1\n");
    await git(dir, ["init", "-q"]);
    const none = await exec("node", [CLI, "tasks", "synth", dir, "-o", join(dir, "o.jsonl")]).catch((e) => e);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no test files/);
  });
});
