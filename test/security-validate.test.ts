/**
 * Issue 11, validate route: hostile patches against `validateOne`. Each attack must fail (no
 * host file written or read outside, no host command run, the base unchanged), and the innocent
 * part of a patch, or an innocent patch after it, must still be graded as it deserves.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalRuntime } from "../src/runtime/local.js";
import { validateOne } from "../src/validate/validate-one.js";
import { tempDir } from "./helpers/paths.js";
import { CALC_FIX, calcTask, patchOf, treeDigest } from "./security-helpers.js";

const runtimes: LocalRuntime[] = [];
afterAll(async () => {
  for (const runtime of runtimes) await runtime.close();
});

function runtime(unsafeNoSandbox = false): LocalRuntime {
  const made = new LocalRuntime({ root: tempDir("sealign-sec-val-"), unsafeNoSandbox });
  runtimes.push(made);
  return made;
}

/** A host folder and file an attack aims at, with the file's content to compare afterwards. */
function hostTargets() {
  const dir = tempDir("sealign-sec-host-");
  const folder = join(dir, "folder");
  mkdirSync(folder);
  const file = join(dir, "secret.txt");
  writeFileSync(file, "host secret\n");
  return { dir, folder, file };
}

describe("validate: hostile patches", { timeout: 120_000 }, () => {
  it("symlinks a patch plants are not followed out of the environment when test files are written", async () => {
    const host = hostTargets();
    const task = calcTask();
    const rt = runtime();
    const base = await rt.prepare(task);
    // tests/test_b.py -> a host file (the file a test file is written to), plus the real fix
    const fileLink = patchOf(task, (dir) => {
      symlinkSync(host.file, join(dir, "tests", "test_b.py"));
      writeFileSync(join(dir, "calc.py"), "def add(a, b):\n    return a + b\n");
    });
    const one = await validateOne(task, fileLink, base, { runtime: rt, timeoutMs: 30_000 });
    expect(one.report.apply_method).toBe("git apply");
    expect(one.report.resolved).toBe(true);
    expect(readFileSync(host.file, "utf8")).toBe("host secret\n");
    // tests -> a host folder (where the test files would go)
    const folderLink = patchOf(task, (dir) => {
      const { rmSync } = require("node:fs") as typeof import("node:fs");
      rmSync(join(dir, "tests"), { recursive: true });
      symlinkSync(host.folder, join(dir, "tests"));
    });
    const two = await validateOne(task, folderLink, base, { runtime: rt, timeoutMs: 30_000 });
    expect(two.report.patch_successfully_applied).toBe(true);
    expect(two.report.resolved).toBe(false);
    expect(readdirSync(host.folder)).toEqual([]);
    // the base is as it was: an innocent fix is still resolved
    const fix = await validateOne(task, CALC_FIX, base, { runtime: rt, timeoutMs: 30_000 });
    expect(fix.report.resolved).toBe(true);
  });

  for (const unsafe of [false, true]) {
    it(`a patch to .git/config (fsmonitor, filters, hooks) runs nothing when git runs after it${unsafe ? " (even unsandboxed)" : ""}`, async () => {
      const host = hostTargets();
      const marker = (name: string) => join(host.dir, name);
      const task = calcTask({ withTestPatch: true });
      const config =
        "diff --git a/.git/config b/.git/config\n--- a/.git/config\n+++ b/.git/config\n@@ -1 +1,8 @@\n" +
        `+[filter "x"]\n+\tclean = touch ${marker("clean")}; cat\n+\tsmudge = touch ${marker("smudge")}; cat\n+\trequired = true\n` +
        `+[core]\n+\tfsmonitor = touch ${marker("fsmonitor")}; false\n+\thooksPath = .githooks\n [core]\n`;
      const hooks = patchOf(task, (dir) => {
        mkdirSync(join(dir, ".githooks"));
        for (const hook of ["post-checkout", "post-index-change", "pre-commit"])
          writeFileSync(join(dir, ".githooks", hook), `#!/bin/sh\ntouch ${marker(hook)}\n`, { mode: 0o755 });
        writeFileSync(join(dir, ".gitattributes"), "* filter=x\n");
      });
      const rt = runtime(unsafe);
      const base = await rt.prepare(task);
      const { report, log } = await validateOne(task, `${config}${hooks}${CALC_FIX}`, base, {
        runtime: rt,
        timeoutMs: 30_000,
      });
      // git apply refuses a .git path; the fuzzy fallback applies it all, as in the issue
      expect(report.apply_method).toBe("patch --fuzz=5");
      expect(log).toContain("applied test_patch");
      expect(readdirSync(host.dir).sort()).toEqual(["folder", "secret.txt"]);
      expect(report.resolved).toBe(true);
    });
  }

  it("a patch whose tests rewrite the base's objects leaves the base unchanged; innocent patches still resolve", async () => {
    const task = calcTask();
    const rt = runtime();
    const base = await rt.prepare(task);
    const before = treeDigest(join(base.dir, ".git"));
    const poison = patchOf(task, (dir) => {
      writeFileSync(
        join(dir, "calc.py"),
        [
          "import os",
          "alt = open('.git/objects/info/alternates').read().split()[0]",
          "for root, _, names in os.walk(alt):",
          "    for name in names:",
          "        try:",
          "            open(os.path.join(root, name), 'wb').write(b'poison')",
          "            print('POISONED', name)",
          "        except OSError as e:",
          "            print('refused:', e.strerror)",
          "def add(a, b):",
          "    return a + b",
          "",
        ].join("\n"),
      );
    });
    const attacked = await validateOne(task, poison, base, { runtime: rt, timeoutMs: 30_000 });
    expect(attacked.log).toContain("refused: Read-only file system");
    expect(attacked.log).not.toContain("POISONED");
    expect(treeDigest(join(base.dir, ".git"))).toBe(before);
    for (let i = 0; i < 2; i++) {
      const fix = await validateOne(task, CALC_FIX, base, { runtime: rt, timeoutMs: 30_000 });
      expect(fix.report.resolved).toBe(true);
    }
    const none = await validateOne(task, "diff --git a/x b/x\n", base, { runtime: rt, timeoutMs: 30_000 });
    expect(none.report.resolved).toBe(false);
    expect(existsSync(base.dir)).toBe(true);
  });
});
