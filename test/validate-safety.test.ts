import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { validateRun } from "../src/validate/run.js";
import { sweepStaleValidateWork } from "../src/validate/sweep.js";
import { fixtureTrajectories, hefTasks, writeJsonl } from "./export-fixtures.js";
import { tempDir } from "./helpers/paths.js";

/**
 * validate's output folder holds one run: a second input is refused (its results would mix
 * with the first's in results.jsonl), a resume of the same input is not, --force replaces the
 * run; OUT/trajectories.jsonl may not be the input. Uses empty patches, which are decided
 * without running tests, so no sandbox is needed.
 */
function emptyPatchRuns(offset: number) {
  return fixtureTrajectories(2)
    .filter((t) => t.outcome.resolved === false)
    .map((t, i) => ({ ...t, id: `${t.id}-run${offset}-${i}`, patch: "" }));
}

const quiet = { progress: null, cacheDir: null, workers: 1 } as const;

describe("validate output folder", () => {
  it("refuses a second input's run, resumes the same one, and --force replaces it", async () => {
    const dir = tempDir("sealign-validate-safety-");
    const tasks = writeJsonl(join(dir, "tasks.jsonl"), hefTasks(2));
    const first = writeJsonl(join(dir, "first.jsonl"), emptyPatchRuns(1));
    const secondRuns = emptyPatchRuns(2);
    const second = writeJsonl(join(dir, "second.jsonl"), secondRuns);
    const out = join(dir, "out");
    await validateRun({ input: first, tasks, out, ...quiet });
    const results = readFileSync(join(out, "results.jsonl"), "utf8");
    const report = readFileSync(join(out, "report.json"), "utf8");

    // the same input again: a resume, nothing re-run
    const resumed = await validateRun({ input: first, tasks, out, ...quiet });
    expect(resumed.sealign.cache.resumed).toBe(emptyPatchRuns(1).length);

    const error = await validateRun({ input: second, tasks, out, ...quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(join(out, "results.jsonl"));
    expect((error as Error).message).toContain("--force");
    // nothing of the first run lost
    expect(readFileSync(join(out, "results.jsonl"), "utf8")).toBe(results);
    expect(readFileSync(join(out, "report.json"), "utf8")).toBe(report);

    await validateRun({ input: second, tasks, out, ...quiet, force: true });
    const ids = Object.keys(JSON.parse(readFileSync(join(out, "report.json"), "utf8")));
    expect(ids.sort()).toEqual(secondRuns.map((t) => t.id).sort());
    const recorded = readFileSync(join(out, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).id as string);
    expect(recorded.sort()).toEqual(ids.sort());
  });

  it("refuses a folder with another run's report but no results, and OUT/trajectories.jsonl as the input", async () => {
    const dir = tempDir("sealign-validate-safety-");
    const tasks = writeJsonl(join(dir, "tasks.jsonl"), hefTasks(2));
    const used = join(dir, "used");
    mkdirSync(used);
    writeFileSync(join(used, "report.json"), "{}\n");
    const input = writeJsonl(join(dir, "in.jsonl"), emptyPatchRuns(1));
    await expect(validateRun({ input, tasks, out: used, ...quiet })).rejects.toThrow(
      /report\.json of another run/,
    );
    expect(readFileSync(join(used, "report.json"), "utf8")).toBe("{}\n");

    const runDir = join(dir, "run");
    mkdirSync(runDir);
    const inPlace = writeJsonl(join(runDir, "trajectories.jsonl"), emptyPatchRuns(1));
    const before = readFileSync(inPlace, "utf8");
    await expect(validateRun({ input: inPlace, tasks, out: runDir, ...quiet })).rejects.toThrow(
      /also an input/,
    );
    expect(readFileSync(inPlace, "utf8")).toBe(before);
  });
});

describe("sweepStaleValidateWork", () => {
  it("removes the scratch folders of dead validate processes only", async () => {
    const root = tempDir("sealign-sweep-");
    const child = spawn("sleep", ["30"]);
    const deadChild = spawn("true");
    await new Promise((r) => deadChild.on("exit", r));
    const live = join(root, `sealign-validate-ws-${child.pid}-abc`);
    const dead = join(root, `sealign-validate-ws-${deadChild.pid}-def`);
    const other = join(root, "sealign-validate-something-else");
    for (const path of [live, dead, other]) mkdirSync(join(path, "tests"), { recursive: true });
    try {
      expect(await sweepStaleValidateWork(root)).toEqual([dead]);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(existsSync(other)).toBe(true);
    } finally {
      child.kill();
    }
  });
});
