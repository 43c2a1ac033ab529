import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalEnvironment } from "../src/runtime/local.js";
import { applyPatch as applyInside } from "../src/validate/apply.js";
import { tempDir } from "./helpers/paths.js";

function repo(): string {
  const dir = tempDir("sealign-apply-");
  execFileSync("git", ["init", "-q"], { cwd: dir });
  writeFileSync(join(dir, "f.txt"), "a\nb\nc\nd\ne\nf\ng\n");
  writeFileSync(join(dir, "other.txt"), "1\n2\n3\n");
  execFileSync("git", ["add", "-A"], { cwd: dir });
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], { cwd: dir });
  return dir;
}

/** The patch goes into the sandboxed environment over the folder on stdin. */
function write(_dir: string, patch: string): string {
  return patch;
}

async function applyPatch(dir: string, patch: string) {
  const env = new LocalEnvironment({ dir, baseCommit: "HEAD", removeOnClose: false });
  try {
    return await applyInside(env, patch);
  } finally {
    await env.close();
  }
}

describe("patch application (git apply, git apply --reject, patch --fuzz)", () => {
  it("applies a clean patch with git apply", async () => {
    const dir = repo();
    const result = await applyPatch(
      dir,
      write(dir, "--- a/f.txt\n+++ b/f.txt\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n"),
    );
    expect(result).toMatchObject({ applied: true, method: "git apply" });
    expect(readFileSync(join(dir, "f.txt"), "utf8")).toBe("a\nb\nC\nd\ne\nf\ng\n");
  });

  it("falls back to patch --fuzz=5 when the context drifted, leaving no .orig or .rej behind", async () => {
    const dir = repo();
    // The second context line says X where the file has b: git refuses, patch applies with fuzz.
    const result = await applyPatch(
      dir,
      write(dir, "--- a/f.txt\n+++ b/f.txt\n@@ -1,7 +1,7 @@\n a\n X\n c\n-d\n+D\n e\n f\n g\n"),
    );
    expect(result.applied).toBe(true);
    expect(result.method).toBe("patch --fuzz=5");
    expect(readFileSync(join(dir, "f.txt"), "utf8")).toBe("a\nb\nc\nD\ne\nf\ng\n");
    expect(readdirSync(dir).filter((f) => /\.(orig|rej)$/.test(f))).toEqual([]);
  });

  it("reports a patch nothing can apply, and undoes the partial attempts", async () => {
    const dir = repo();
    // First hunk fine, second impossible: --reject would apply half; the tree must be reset.
    const patch =
      "--- a/other.txt\n+++ b/other.txt\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n" +
      "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n nothing\n-like\n+this\n here\n";
    const result = await applyPatch(dir, write(dir, patch));
    expect(result).toMatchObject({ applied: false, method: null });
    expect(result.log).toContain("$ git apply --reject");
    expect(readFileSync(join(dir, "other.txt"), "utf8")).toBe("1\n2\n3\n");
    expect(readdirSync(dir).filter((f) => /\.(orig|rej)$/.test(f))).toEqual([]);
  });

  it("does not apply garbage", async () => {
    const dir = repo();
    expect((await applyPatch(dir, write(dir, "this is not a diff\n"))).applied).toBe(false);
  });
});
