import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { compareVerdicts, formatAgreement, readHarnessVerdicts } from "../src/validate/agreement.js";
import { tempDir } from "./helpers/paths.js";

describe("comparing verdicts with the official SWE-bench harness", () => {
  it("reads the harness's run summary, a report.json, and its logs folder", async () => {
    const dir = tempDir();
    const summary = join(dir, "model.run1.json");
    writeFileSync(
      summary,
      JSON.stringify({
        submitted_ids: ["a", "b", "c", "d"],
        completed_ids: ["a", "b", "c"],
        resolved_ids: ["a", "c"],
        error_ids: ["d"],
        schema_version: 2,
      }),
    );
    expect(Object.fromEntries(await readHarnessVerdicts(summary))).toEqual({
      a: true,
      b: false,
      c: true,
      d: false,
    });
    const logs = join(dir, "logs", "run_evaluation", "run1", "model");
    for (const [id, resolved] of [
      ["a", true],
      ["b", false],
    ] as const) {
      mkdirSync(join(logs, id), { recursive: true });
      writeFileSync(
        join(logs, id, "report.json"),
        JSON.stringify({ [id]: { patch_is_None: false, resolved } }),
      );
    }
    expect(Object.fromEntries(await readHarnessVerdicts(join(dir, "logs")))).toEqual({ a: true, b: false });
    expect(Object.fromEntries(await readHarnessVerdicts(join(logs, "a", "report.json")))).toEqual({
      a: true,
    });
  });

  it("counts agreement and lists each kind of disagreement", () => {
    const ours = {
      a: { resolved: true },
      b: { resolved: true },
      c: { resolved: false },
      e: { resolved: false },
    };
    const harness = new Map([
      ["a", true],
      ["b", false],
      ["c", true],
      ["d", false],
    ]);
    const agreement = compareVerdicts(ours, harness);
    expect(agreement).toEqual({
      compared: 3,
      agree: 1,
      rate: 1 / 3,
      only_sealign_resolved: ["b"],
      only_harness_resolved: ["c"],
      missing_in_harness: ["e"],
      missing_in_sealign: ["d"],
    });
    expect(formatAgreement(agreement)).toContain("1/3 instances (33.3%)");
  });

  it("names the file of a bad harness output", async () => {
    const dir = tempDir();
    await expect(readHarnessVerdicts(join(dir, "missing.json"))).rejects.toBeInstanceOf(InputError);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ x: { resolved: "yes" } }));
    await expect(readHarnessVerdicts(bad)).rejects.toThrow(/bad\.json: field x/);
    writeFileSync(bad, "{ not json");
    await expect(readHarnessVerdicts(bad)).rejects.toThrow(/bad\.json/);
  });
});
