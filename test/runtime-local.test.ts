import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalRuntime, type LocalTaskBase } from "../src/runtime/local.js";
import type { Environment } from "../src/runtime/types.js";
import { applyPatch, computePatch, fileOp, writeFiles } from "../src/runtime/workspace-ops.js";
import type { Task } from "../src/schema/task.js";
import { tempDir } from "./helpers/paths.js";

const task = {
  instance_id: "rt-1",
  repo: "",
  base_commit: "",
  problem_statement: "x",
  files: { "a.py": "one\ntwo\n", "pkg/m.py": "x = 1\n", "bin.dat": "plain\n" },
  test_patch: "",
  FAIL_TO_PASS: [],
  PASS_TO_PASS: [],
} as unknown as Task;

describe("local runtime", () => {
  let runtime: LocalRuntime;
  let base: LocalTaskBase;
  beforeAll(async () => {
    runtime = new LocalRuntime({ root: tempDir("sealign-rt-") });
    base = await runtime.prepare(task);
  });
  afterAll(async () => {
    await runtime.close();
  });

  it("opens independent environments that exec inside, with stdin, cwd and env", async () => {
    const env = await runtime.open(base);
    const other = await runtime.open(base);
    try {
      expect(env.workdir).toBe("/workspace");
      expect(env.isolation).toBe("bubblewrap");
      const r = await env.exec('cat; echo "[$X]"; pwd; echo err >&2', {
        timeoutMs: 10_000,
        stdin: "in\n",
        env: { X: "y" },
        cwd: "/workspace/pkg",
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe("in\n[y]\n/workspace/pkg\n");
      expect(r.output).toContain("err");
      await env.exec("echo changed > a.py", { timeoutMs: 10_000 });
      expect((await other.exec("cat a.py", { timeoutMs: 10_000 })).stdout).toBe("one\ntwo\n");
      const shell = await env.startShell();
      const out = await shell.run("cd pkg && pwd", { softTimeoutMs: 5000, hardTimeoutMs: 10_000 });
      expect(out.output).toBe("/workspace/pkg\n");
    } finally {
      await env.close();
      await other.close();
      await env.close();
    }
  });

  it("computes the patch inside, binaries left out, and applies patches as SWE-bench does", async () => {
    const env = await runtime.open(base);
    try {
      await env.exec("printf 'one\\n2\\n' > a.py; printf 'new\\n' > n.txt; printf 'a\\0b' > bin.dat", {
        timeoutMs: 10_000,
      });
      const patch = await computePatch(env);
      expect(patch).toContain("+++ b/a.py");
      expect(patch).toContain("+++ b/n.txt");
      expect(patch).not.toContain("bin.dat");
      const fresh = await runtime.open(base);
      try {
        const applied = await applyPatch(fresh, patch);
        expect(applied).toMatchObject({ applied: true, method: "git apply" });
        expect((await fresh.exec("cat a.py n.txt", { timeoutMs: 10_000 })).stdout).toBe("one\n2\nnew\n");
        const bad = await applyPatch(fresh, "this is not a diff\n");
        expect(bad.applied).toBe(false);
        expect(bad.log).toContain("$ patch --fuzz=5");
      } finally {
        await fresh.close();
      }
    } finally {
      await env.close();
    }
  });

  it("writes files and does the editor's file operations inside", async () => {
    const env: Environment = await runtime.open(base);
    try {
      await writeFiles(env, { "tests/t.py": "ok é\n", "a.py": "" });
      expect((await env.exec("cat tests/t.py", { timeoutMs: 10_000 })).stdout).toBe("ok é\n");
      await expect(writeFiles(env, { "../x": "" }, { field: "test_files" })).rejects.toThrow(/test_files/);
      expect(await fileOp(env, "read", "/workspace/tests/t.py")).toEqual({ kind: "file", content: "ok é\n" });
      expect((await fileOp(env, "stat", "/workspace/pkg")).kind).toBe("directory");
      expect(await fileOp(env, "read", "/workspace/nope")).toEqual({ kind: "missing" });
      expect(await fileOp(env, "read", "/etc/passwd")).toEqual({ kind: "outside" });
      expect(await fileOp(env, "create", "/workspace/a.py", { content: "x" })).toEqual({ kind: "exists" });
      const under = await fileOp(env, "create", "/workspace/a.py/b", { content: "x" });
      expect(under.kind).toBe("error");
      expect(await fileOp(env, "create", "/workspace/d/e/f.txt", { content: "hi" })).toEqual({
        kind: "file",
        content: "",
      });
      const list = await fileOp(env, "read", "/workspace");
      expect(list.kind).toBe("directory");
      if (list.kind === "directory") {
        expect(list.entries).toContainEqual({ path: "d/e", directory: true });
        expect(list.entries.some((e) => e.path.startsWith(".git"))).toBe(false);
        expect(list.entries.some((e) => e.path === "d/e/f.txt")).toBe(false);
      }
    } finally {
      await env.close();
    }
  });

  it("file operations answer exactly through the ops shell, and through exec when the answer is too long for it", async () => {
    const env = await runtime.open(base);
    try {
      const tricky = "quotes ' \" $(echo no) `x` \\ tab\t\r\nunicode é 😀\n";
      expect(await fileOp(env, "create", "/workspace/t.txt", { content: tricky })).toMatchObject({
        kind: "file",
      });
      expect(await fileOp(env, "read", "/workspace/t.txt")).toEqual({ kind: "file", content: tricky });
      const big = `${"0123456789abcdef".repeat(200_000)}end\n`; // 3.2 MB: past the shell's kept output
      expect(await fileOp(env, "write", "/workspace/t.txt", { content: big })).toMatchObject({
        kind: "file",
      });
      expect(await fileOp(env, "read", "/workspace/t.txt")).toEqual({ kind: "file", content: big });
      const many = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          fileOp(env, "create", `/workspace/c${i}.txt`, { content: `${i}` }),
        ),
      );
      expect(many.every((r) => r.kind === "file")).toBe(true);
    } finally {
      await env.close();
    }
  });

  it("keeps the base's objects out of reach: rewriting them inside fails", async () => {
    const env = await runtime.open(base);
    try {
      const r = await env.exec(
        'f=$(find $(cat .git/objects/info/alternates) -type f | head -1); echo poison > "$f" && echo WROTE',
        { timeoutMs: 10_000 },
      );
      expect(r.stdout).not.toContain("WROTE");
    } finally {
      await env.close();
    }
    const again = await runtime.open(base);
    try {
      expect(await computePatch(again)).toBe("");
    } finally {
      await again.close();
    }
  });

  it("sweeps the folders of a runtime whose process is gone", async () => {
    const root = tempDir("sealign-rt-sweep-");
    const stale = join(root, "local-999999999-abcd");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(stale);
    writeFileSync(join(stale, "x"), "");
    await new LocalRuntime({ root }).sweep();
    expect(existsSync(stale)).toBe(false);
    void readFileSync;
  });
});
