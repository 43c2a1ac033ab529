import { describe, expect, it } from "vitest";
import { safeFileName } from "../src/io/names.js";
import { treeFileName } from "../src/pairs/write.js";
import { logName } from "../src/validate/run.js";

describe("safeFileName: the one file name for an id", () => {
  it("keeps a safe id as it is", () => {
    expect(safeFileName("django__django-11099")).toBe("django__django-11099");
    expect(safeFileName("a.b_c-1")).toBe("a.b_c-1");
  });

  it("hashes every id it had to clean, so ids that clean alike stay apart", () => {
    const names = ["a/b", "a:b", "a b", "a//b", "a_b"].map((id) => safeFileName(id));
    expect(new Set(names).size).toBe(5);
    expect(names[0]).toMatch(/^a_b-[0-9a-f]{8}$/);
    expect(names[4]).toBe("a_b");
  });

  it("never yields a hidden, empty or path-like name, and respects the length", () => {
    for (const id of ["", ".", "..", ".hidden", "../../etc/passwd", "x".repeat(500)]) {
      const name = safeFileName(id, 40);
      expect(name).not.toMatch(/^\.|\//);
      expect(name.length).toBeGreaterThan(0);
      expect(name.length).toBeLessThanOrEqual(40 + 9);
    }
    // Two long ids with the same first 40 characters: cut, so hashed, so distinct.
    expect(safeFileName(`${"x".repeat(40)}1`, 40)).not.toBe(safeFileName(`${"x".repeat(40)}2`, 40));
  });

  it("is what tree files and validation logs are named by", () => {
    expect(treeFileName("owner/repo#1")).toBe(`${safeFileName("owner/repo#1")}.json`);
    expect(logName("task#3")).toBe(`${safeFileName("task#3", 100)}.log`);
  });
});
