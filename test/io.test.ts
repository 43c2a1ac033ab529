import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { JsonlAppender } from "../src/io/append.js";
import { AtomicWriter, writeJsonlAtomic } from "../src/io/atomic.js";
import { readJsonl } from "../src/io/jsonl.js";
import { readLines } from "../src/io/lines.js";
import { tempDir } from "./helpers/paths.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

const rows = Array.from({ length: 2000 }, (_, i) => ({ i, text: `line ${i} é ✓ ${"x".repeat(i % 97)}` }));
const jsonl = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

describe("readJsonl", () => {
  it("streams plain, gzip and zstd files to the same records with line numbers", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.jsonl"), jsonl);
    writeFileSync(join(dir, "a.jsonl.gz"), gzipSync(jsonl));
    writeFileSync(join(dir, "a.jsonl"), jsonl);
    execFileSync("bash", ["-c", `zstd -q -f ${dir}/a.jsonl -o ${dir}/a.jsonl.zst`]);
    for (const name of readdirSync(dir)) {
      const records = await collect(readJsonl(join(dir, name)));
      expect(records.map((r) => r.value)).toEqual(rows);
      expect(records[1999]?.line).toBe(2000);
    }
  });

  it("splits lines correctly when multi-byte characters straddle chunk boundaries", async () => {
    const dir = tempDir();
    const big = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ s: "€".repeat(i % 13) })).join(
      "\n",
    );
    writeFileSync(join(dir, "b.jsonl"), big);
    const lines = await collect(readLines(join(dir, "b.jsonl")));
    expect(lines).toHaveLength(50_000);
    expect(lines.at(-1)?.terminated).toBe(false);
    expect(JSON.parse(lines[12]!.text).s).toBe("€".repeat(12));
  });

  it("names file and line of a malformed line, and reports a truncated last line as such", async () => {
    const dir = tempDir();
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"a":1}\n{"a":2\n{"a":3}\n');
    await expect(collect(readJsonl(bad))).rejects.toThrow(`${bad}:2: malformed JSON`);
    const cut = join(dir, "cut.jsonl");
    writeFileSync(cut, '{"a":1}\n{"a":');
    const error = await collect(readJsonl(cut)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).line).toBe(2);
    expect((error as Error).message).toContain("truncated last line");
    expect(await collect(readJsonl(cut, { tolerateTruncatedTail: true }))).toHaveLength(1);
  });
});

describe("atomic writes", () => {
  it("never shows a partial file: abort keeps the old content, commit replaces it", async () => {
    const dir = tempDir();
    const path = join(dir, "out.jsonl");
    await writeJsonlAtomic(path, [{ v: 1 }]);
    const writer = new AtomicWriter(path);
    await writer.write('{"v":2}\n{"v":');
    expect(readFileSync(path, "utf8")).toBe('{"v":1}\n');
    await writer.abort();
    expect(readFileSync(path, "utf8")).toBe('{"v":1}\n');
    expect(readdirSync(dir)).toEqual(["out.jsonl"]);
  });

  it("leaves nothing behind when the value stream fails mid-way", async () => {
    const dir = tempDir();
    const path = join(dir, "x.jsonl");
    async function* failing() {
      yield { ok: 1 };
      throw new Error("source broke");
    }
    await expect(writeJsonlAtomic(path, failing())).rejects.toThrow("source broke");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("appender cuts a partial last line left by a crash and keeps complete lines", async () => {
    const dir = tempDir();
    const path = join(dir, "run.jsonl");
    writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":3, "half');
    const { appender, repairedBytes } = await JsonlAppender.open(path);
    expect(repairedBytes).toBe('{"n":3, "half'.length);
    await appender.append({ n: 3 });
    expect((await collect(readJsonl(path))).map((r) => r.value)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});
