import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Task } from "../src/schema/task.js";
import { parseTask } from "../src/schema/validate.js";
import { tempDir } from "./helpers/paths.js";

/**
 * A small inline task for the attack tests: `calc.add` is wrong; its hidden test is a file
 * written at validation time (test_files) under tests/, or, with `withTestPatch`, added by a
 * test_patch (so git runs after the model's patch is applied).
 */
export function calcTask(options: { withTestPatch?: boolean } = {}): Task {
  const test =
    "import sys\nsys.path.insert(0, '.')\nfrom calc import add\nassert add(2, 3) == 5\nprint('ok')\n";
  return parseTask({
    instance_id: options.withTestPatch ? "sec-calc-patch" : "sec-calc",
    problem_statement: "add() subtracts",
    files: { "calc.py": "def add(a, b):\n    return a - b\n", "tests/__init__.py": "" },
    ...(options.withTestPatch
      ? {
          test_patch:
            "diff --git a/tests/test_calc.py b/tests/test_calc.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_calc.py\n" +
            `@@ -0,0 +1,${test.split("\n").length - 1} @@\n${test
              .split("\n")
              .slice(0, -1)
              .map((l) => `+${l}`)
              .join("\n")}\n`,
        }
      : { test_files: { "tests/test_calc.py": test, "tests/test_b.py": "print('b')\n" } }),
    test_command: "python3 tests/test_calc.py",
    FAIL_TO_PASS: ["tests/test_calc.py"],
    PASS_TO_PASS: [],
  });
}

/** The fix of calcTask. */
export const CALC_FIX =
  "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n";

/**
 * A patch made the way a model's is (`git diff` of a changed copy of the task's files): test-side
 * host git on files the test itself wrote.
 */
export function patchOf(task: Task, change: (dir: string) => void): string {
  const dir = tempDir("sealign-sec-patch-");
  for (const [path, content] of Object.entries(task.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    }).toString();
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "base");
  change(dir);
  git("add", "-A");
  return git("diff", "--cached", "--binary");
}

/** A digest of every file under a folder (names, modes and bytes): "unchanged" made checkable. */
export function treeDigest(root: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      hash.update(`${path}\0${stat.mode}\0`);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) hash.update(readFileSync(path));
    }
  };
  walk(root);
  return hash.digest("hex");
}
