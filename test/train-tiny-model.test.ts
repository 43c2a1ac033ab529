import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureTinyModel } from "./helpers/tiny-model.js";

describe("tiny model helper", () => {
  it("builds a 2-layer random Qwen3 with the real tokenizer and its GGUF, once", async () => {
    const first = await ensureTinyModel();
    const config = JSON.parse(readFileSync(join(first.hfDir, "config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(config.num_hidden_layers).toBe(2);
    expect(config.hidden_size).toBe(64);
    expect(config.model_type).toBe("qwen3");
    expect(existsSync(join(first.hfDir, "tokenizer.json"))).toBe(true);
    const magic = readFileSync(first.ggufPath).subarray(0, 4).toString("latin1");
    expect(magic).toBe("GGUF");
    const again = await ensureTinyModel();
    expect(again).toEqual(first);
  });
});
