import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEpisode } from "../src/agent/episode.js";
import { createProvider, parseModelSpec, registerProvider } from "../src/providers/registry.js";
import type { Task } from "../src/schema/task.js";
import { loadTasks } from "../src/tasks/load.js";
import { sharedData, tempDir } from "./helpers/paths.js";
import { ensureTinyModel } from "./helpers/tiny-model.js";

describe("model SPECs and the provider registry", () => {
  it("parses SPECs and rejects unknown providers and missing settings", async () => {
    expect(parseModelSpec("openai:qwen2.5:14b")).toEqual({ prefix: "openai", rest: "qwen2.5:14b" });
    expect(parseModelSpec("sim")).toEqual({ prefix: "sim", rest: "" });
    await expect(createProvider("nosuch:x")).rejects.toThrow(/unknown model provider "nosuch"/);
    await expect(createProvider("openai:m", { env: {} })).rejects.toThrow(
      /--base-url or set OPENAI_BASE_URL/,
    );
    await expect(createProvider("embedded:/nonexistent/model.gguf")).rejects.toThrow(/GGUF model not found/);
    await expect(createProvider("embedded:hf:justone.gguf")).rejects.toThrow(/hf:user\/repo\/file.gguf/);
    const notGguf = join(tempDir(), "model.gguf");
    writeFileSync(notGguf, "not a model");
    await expect(createProvider(`embedded:${notGguf}`)).rejects.toThrow(/not a GGUF file/);
  });

  it("lets other modules register providers", async () => {
    registerProvider("testdouble-echo", (rest) => ({
      name: `testdouble-echo:${rest}`,
      complete: async () => ({ message: { role: "assistant", content: "hi" } }),
    }));
    expect((await createProvider("testdouble-echo:x")).name).toBe("testdouble-echo:x");
  });
});

describe("embedded provider (node-llama-cpp, tiny random Qwen3 GGUF)", () => {
  it("runs an episode in-process with valid (if useless) tool calls", async () => {
    const { ggufPath } = await ensureTinyModel();
    const task = (await loadTasks(sharedData("humanevalfix-python.jsonl")))[0] as Task;
    const provider = await createProvider(`embedded:${ggufPath}`, { threads: 1, maxArgumentChars: 24 });
    try {
      const trajectory = await runEpisode(task, provider, {
        maxTurns: 2,
        stuckRepeat: 0,
        sampling: { max_tokens: 256, temperature: 1, tool_choice: "required" },
        seed: 7,
      });
      expect(trajectory.provenance.model).toBe("embedded:tiny-qwen3-f32.gguf");
      expect(["max_turns", "finished"], trajectory.outcome.exit_detail).toContain(
        trajectory.outcome.exit_reason,
      );
      const calls = trajectory.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : []));
      expect(calls.length).toBe(trajectory.usage.turns);
      expect(trajectory.usage.tool_errors).toBe(0);
      expect(trajectory.usage.tokens_estimated).toBe(false);
      expect(trajectory.usage.completion_tokens).toBeGreaterThan(0);
      // any tool call the random model made has JSON arguments (grammar-constrained)
      for (const m of trajectory.messages) {
        if (m.role === "assistant")
          for (const call of m.tool_calls ?? [])
            expect(() => JSON.parse(call.function.arguments)).not.toThrow();
      }
    } finally {
      await provider.close?.();
    }
  }, 600_000);
});
