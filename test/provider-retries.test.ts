import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAIProvider } from "../src/providers/openai.js";
import { ModelError } from "../src/providers/types.js";
import {
  callMessage,
  type ScriptedServer,
  startScriptedServer,
  toolCall,
} from "./doubles/scripted-openai-server.js";

/** Faults the OpenAI client retried leave a trace in the request record (trajectory metadata). */
let server: ScriptedServer;
let failFirst = 0;
let seen = 0;

beforeAll(async () => {
  server = await startScriptedServer(() => {
    seen++;
    if (seen <= failFirst) return { status: 503, rawBody: '{"error":"overloaded"}' };
    return { message: callMessage(toolCall("finish", { message: "done" })) };
  });
});
afterAll(async () => {
  await server.close();
});

const request = (signal?: AbortSignal) => ({
  messages: [{ role: "user", content: "hi" }] as never,
  tools: [],
  sampling: {},
  ...(signal ? { signal } : {}),
});

describe("OpenAIProvider retries", () => {
  it("records the count and kinds of retried faults with the request", async () => {
    const provider = new OpenAIProvider({ model: "m", baseUrl: server.baseUrl, apiKey: "x", maxRetries: 3 });
    failFirst = 2;
    seen = 0;
    const result = await provider.complete(request(), { turn: 0 } as never);
    expect(result.request?.retries).toEqual({ count: 2, kinds: { http_503: 2 } });
    // a clean request records none
    const clean = await provider.complete(request(), { turn: 1 } as never);
    expect(clean.request?.retries).toBeUndefined();
  });

  it("a request that fails after its retries says what was retried", async () => {
    const provider = new OpenAIProvider({ model: "m", baseUrl: server.baseUrl, apiKey: "x", maxRetries: 1 });
    failFirst = 100;
    seen = 0;
    const error = await provider.complete(request(), { turn: 0 } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toContain("after 1 retries: http_503");
    failFirst = 0;
  });

  it("many requests on one long-lived signal raise no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const provider = new OpenAIProvider({ model: "m", baseUrl: server.baseUrl, apiKey: "x", maxRetries: 0 });
    const episode = new AbortController();
    failFirst = 0;
    for (let i = 0; i < 25; i++) await provider.complete(request(episode.signal), { turn: i } as never);
    await new Promise((r) => setTimeout(r, 50));
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});
