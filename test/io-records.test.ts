import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { readParsed } from "../src/io/records.js";
import { SkipLog } from "../src/io/skip-log.js";
import { tempDir } from "./helpers/paths.js";

/** A parser in the shape of parsePair / parseTrajectory: an object with a numeric `n`. */
function parseN(value: unknown, where: { file: string; line: number }): number {
  const n = (value as { n?: unknown } | null)?.n;
  if (typeof n !== "number") throw new InputError("n must be a number", { ...where, field: "n" });
  return n;
}

async function all<T>(records: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of records) out.push(r);
  return out;
}

describe("readParsed: the one typed record reader", () => {
  const dir = tempDir();
  const file = join(dir, "records.jsonl");
  writeFileSync(file, '{"n":1}\n{"n":\n\n{"n":"x"}\n{"n":4}\n');

  it("stops at the first bad record, naming file, line and field", async () => {
    await expect(all(readParsed(file, parseN))).rejects.toThrow(`${file}:2: malformed JSON`);
    const good = join(dir, "bad-field.jsonl");
    writeFileSync(good, '{"n":1}\n{"n":"x"}\n');
    await expect(all(readParsed(good, parseN))).rejects.toThrow(`${good}:2: field n: n must be a number`);
  });

  it("with skipInvalid, counts malformed lines and rejected records apart from where they were", async () => {
    const skipped = new SkipLog();
    expect(await all(readParsed(file, parseN, { skipInvalid: true, skipped }))).toEqual([1, 4]);
    expect(skipped.reasons.map((r) => [r.line, r.message])).toEqual([
      [2, expect.stringMatching(/^malformed JSON: /)],
      [4, "field n: n must be a number"],
    ]);
    expect(skipped.summary()).toMatch(
      /^2 skipped \(1 x malformed JSON: .*; 1 x field n: n must be a number\)$/,
    );
  });

  it("reads a JSON list by index, or JSONL whatever the extension when told", async () => {
    const list = join(dir, "list.json");
    writeFileSync(list, '[{"n":7},{"n":8}]');
    expect(await all(readParsed(list, parseN))).toEqual([7, 8]);
    const lines = join(dir, "lines.json");
    writeFileSync(lines, '{"n":5}\n{"n":6}\n');
    expect(await all(readParsed(lines, parseN, { format: "jsonl" }))).toEqual([5, 6]);
  });
});
