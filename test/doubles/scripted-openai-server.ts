import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * TEST DOUBLE: a scripted OpenAI-compatible `/v1/chat/completions` server. Each request is
 * answered by the script (a function of the parsed request body and the request's number), so
 * tests can drive whole episodes, send malformed tool calls, fail with 500, or hang.
 */
export interface ScriptedReply {
  /** HTTP status (default 200). */
  status?: number;
  /** Wait this long before answering (time-out tests). */
  delayMs?: number;
  /** The assistant message to return (200 replies). */
  message?: Record<string, unknown>;
  /** A raw body instead of a chat completion. */
  rawBody?: string;
  /** Report usage (default: 10 prompt / 5 completion tokens). null = leave usage out. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

export type Script = (body: Record<string, unknown>, requestNumber: number) => ScriptedReply;

export interface ScriptedServer {
  baseUrl: string;
  /** Every request body received, in order. */
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A tool call as a model would send it. */
export function toolCall(
  name: string,
  args: Record<string, unknown> | string,
  id?: string,
): Record<string, unknown> {
  return {
    id: id ?? `call_${Math.random().toString(36).slice(2, 10)}`,
    type: "function",
    function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
  };
}

/** An assistant message with the given tool calls. */
export function callMessage(...calls: Record<string, unknown>[]): Record<string, unknown> {
  return { role: "assistant", content: null, tool_calls: calls };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: Record<string, unknown>[] = [];
  const server: Server = createServer(async (request, response) => {
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    const number = requests.length;
    requests.push(body);
    const reply = script(body, number);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (response.destroyed) return;
    const status = reply.status ?? 200;
    // retry-after-ms keeps the client's backoff short in tests
    const headers = { "content-type": "application/json", "retry-after-ms": "10" };
    if (reply.rawBody !== undefined) {
      response.writeHead(status, headers).end(reply.rawBody);
      return;
    }
    if (status !== 200) {
      response.writeHead(status, headers).end(JSON.stringify({ error: { message: `scripted ${status}` } }));
      return;
    }
    const usage = reply.usage === undefined ? { prompt_tokens: 10, completion_tokens: 5 } : reply.usage;
    response.writeHead(200, headers).end(
      JSON.stringify({
        id: `chatcmpl-${number}`,
        object: "chat.completion",
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: reply.message, finish_reason: "tool_calls" }],
        ...(usage
          ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }
          : {}),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
