import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI } from "./helpers/paths.js";

function sealign(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

describe("the sealign CLI", () => {
  it("--help lists every registered command with a one-line purpose", () => {
    const help = sealign("--help");
    expect(help.status).toBe(0);
    const commands = help.stdout
      .split("\n")
      .slice(help.stdout.split("\n").findIndex((l) => l.startsWith("Commands:")) + 1)
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) => l.trim().split(/\s+/)[0]);
    for (const name of ["import", "stats"]) expect(commands).toContain(name);
    for (const line of help.stdout
      .split("\n")
      .filter((l) => /^ {2}[a-z]/.test(l) && !l.includes("help [command]"))) {
      // name, arguments, then a description on the same line
      expect(line.trim().split(/\s{2,}/).length, line).toBeGreaterThanOrEqual(2);
    }
  });

  it("an unknown command or option exits 2 with usage help", () => {
    const result = sealign("frobnicate");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command");
    expect(sealign("import", "--nope").status).toBe(2);
  });

  it("--version prints the package version", () => {
    expect(sealign("--version").stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("sealign schema", () => {
  it("prints JSON Schemas that describe the records sealign accepts", () => {
    const result = sealign("schema", "trajectory");
    expect(result.status).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.required).toEqual(
      expect.arrayContaining(["schema_version", "id", "task_id", "messages", "outcome"]),
    );
    expect(schema.properties.schema_version.const).toBe("sealign.trajectory/1");
    expect(JSON.parse(sealign("schema", "task").stdout).required).toEqual([
      "instance_id",
      "problem_statement",
    ]);
    const bad = sealign("schema", "nope");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown record type "nope"');
  });
});

describe("the library entry", () => {
  it("is importable as `sealign` with the schemas and stage functions", async () => {
    const lib = await import("sealign");
    expect(typeof lib.steps).toBe("function");
    expect(typeof lib.readTrajectories).toBe("function");
    expect(lib.TRAJECTORY_SCHEMA_VERSION).toBe("sealign.trajectory/1");
    expect(typeof lib.importFile).toBe("function");
  });
});

describe("the CLI's vocabulary (issue 16)", () => {
  it("a usage error is the one wrong line and a pointer to --help, exit 2", () => {
    const r = sealign("pairs", "x.jsonl", "-o", "y.jsonl", "--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([
      "error: unknown option '--bogus'",
      "(add --help for usage)",
    ]);
  });

  it("an unknown filter value is an error naming the known values, not an empty list", () => {
    const r = sealign("tasks", "list", "--language", "rust");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--language "rust" is not one of: javascript, python/);
    expect(r.stdout).toBe("");
    const only = sealign("tasks", "export", "-o", "/tmp/never-written.jsonl", "--only", "no-such-task-name");
    expect(only.status).toBe(2);
    expect(only.stderr).toMatch(/--only "no-such-task-name" matches no built-in task/);
  });

  it("every command that writes takes -o, --output (the older --out still works, unlisted)", () => {
    for (const command of [
      ["collect"],
      ["validate"],
      ["tree"],
      ["pairs"],
      ["export", "sft"],
      ["export", "dpo"],
      ["eval"],
    ]) {
      const help = sealign(...command, "--help").stdout;
      expect(help, command.join(" ")).toMatch(/-o, --output </);
      expect(help, command.join(" ")).not.toMatch(/--out </);
    }
    // a missing output is named by its one spelling
    const missing = sealign("validate", "x.jsonl", "--tasks", "t.jsonl");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/-o, --output/);
    // --out is accepted: the command gets as far as checking its input
    const alias = sealign("export", "sft", "/nonexistent/in.jsonl", "--out", "/tmp/never-written.jsonl");
    expect(alias.status).toBe(2);
    expect(alias.stderr).toMatch(/\/nonexistent\/in\.jsonl/);
  });
});
