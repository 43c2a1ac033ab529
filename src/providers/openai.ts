import OpenAI from "openai";
import { InputError } from "../errors.js";
import { AssistantMessageSchema, type Message } from "../schema/trajectory.js";
import type { ProviderOptions } from "./options.js";
import { countConversationTokens, knowsTokenizer, qwenTokens } from "./tokens.js";
import {
  type CompletionContext,
  type CompletionRequest,
  type CompletionResult,
  ModelError,
  type ModelProvider,
  type TokenUsage,
} from "./types.js";

/** Settings of the OpenAI-compatible provider. */
export interface OpenAIProviderOptions {
  model: string;
  baseUrl: string;
  apiKey: string;
  /** Per-request time-out (default 600 s: local servers can be slow on long prompts). */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / time-outs / dropped connections, with exponential backoff (default 4). */
  maxRetries?: number;
  /** Extra body fields sent with every request (e.g. `top_k` for vLLM). */
  extraBody?: Record<string, unknown>;
}

/**
 * Any OpenAI-compatible `/v1/chat/completions` server with tool calling: vLLM, SGLang, Ollama,
 * llama.cpp server, hosted APIs. Uses the official `openai` client, whose retry logic (429, 408,
 * 409, 5xx, time-outs, connection errors; exponential backoff honouring Retry-After) is the
 * field's reference behaviour.
 */
export class OpenAIProvider implements ModelProvider {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly options: OpenAIProviderOptions;
  /** Failed attempts per request in flight, keyed by the request's trace header. */
  private readonly faults = new Map<string, string[]>();
  private nextTrace = 0;

  constructor(options: OpenAIProviderOptions) {
    this.options = options;
    this.name = `openai:${options.model}`;
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 600_000,
      maxRetries: options.maxRetries ?? 4,
      // Sees every attempt, so the faults the client retried are recorded with the request.
      fetch: (url, init) => this.tracedFetch(url, init),
    });
    if (knowsTokenizer(options.model)) {
      this.countTokens = (messages, tools) => countConversationTokens(messages, tools, qwenTokens);
    }
  }

  async complete(request: CompletionRequest, context: CompletionContext): Promise<CompletionResult> {
    const { sampling } = request;
    const body: Record<string, unknown> = {
      model: this.options.model,
      messages: request.messages,
      tools: request.tools,
      tool_choice: sampling.tool_choice ?? "auto",
      ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
      ...(sampling.top_p !== undefined ? { top_p: sampling.top_p } : {}),
      ...(sampling.max_tokens !== undefined ? { max_tokens: sampling.max_tokens } : {}),
      ...(sampling.seed !== undefined
        ? { seed: sampling.seed }
        : context.seed !== undefined
          ? { seed: context.seed }
          : {}),
      ...this.options.extraBody,
    };
    const recorded = { ...body, messages: undefined, tools: undefined, base_url: this.options.baseUrl };
    delete recorded.messages;
    delete recorded.tools;
    let response: OpenAI.Chat.Completions.ChatCompletion;
    const trace = String(this.nextTrace++);
    const faults: string[] = [];
    this.faults.set(trace, faults);
    // A signal of this request's own: the client adds a listener per attempt, and on the
    // episode's long-lived signal they piled up (MaxListenersExceededWarning).
    const signal = request.signal ? AbortSignal.any([request.signal]) : undefined;
    try {
      response = (await this.client.chat.completions.create(
        body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming,
        { ...(signal ? { signal } : {}), headers: { [TRACE_HEADER]: trace } },
      )) as OpenAI.Chat.Completions.ChatCompletion;
    } catch (error) {
      const status = (error as { status?: number }).status;
      const retried =
        faults.length > 1 ? ` (after ${faults.length - 1} retries: ${faults.slice(0, -1).join(", ")})` : "";
      throw new ModelError(
        `model request to ${this.options.baseUrl} failed: ${(error as Error).message}${retried}`,
        { status, cause: error },
      );
    } finally {
      this.faults.delete(trace);
    }
    const choice = response?.choices?.[0];
    if (!choice?.message) {
      throw new ModelError(`model server returned no choices: ${JSON.stringify(response).slice(0, 300)}`);
    }
    const raw = choice.message as unknown as Record<string, unknown>;
    const repairs: string[] = [];
    const toolCalls = Array.isArray(raw.tool_calls)
      ? raw.tool_calls.map((call, i) => normaliseToolCall(call, `call_${context.turn}_${i}`, repairs))
      : [];
    const parsed = AssistantMessageSchema.safeParse({
      role: "assistant",
      content: raw.content ?? null,
      ...(typeof raw.reasoning_content === "string" && raw.reasoning_content
        ? { reasoning_content: raw.reasoning_content }
        : {}),
      ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    });
    if (!parsed.success) {
      throw new ModelError(`model server returned a malformed message: ${JSON.stringify(raw).slice(0, 300)}`);
    }
    const message = parsed.data;
    // keep only the OpenAI fields of each tool call (servers add extras such as `index`)
    if (message.tool_calls) {
      message.tool_calls = message.tool_calls.map((call) => ({
        id: call.id,
        type: "function" as const,
        function: { name: call.function.name, arguments: call.function.arguments },
      }));
    }
    return {
      message,
      usage: this.usage(response, request.messages, request.tools, message),
      request: {
        ...recorded,
        finish_reason: choice.finish_reason,
        response_model: response.model,
        ...(repairs.length ? { repairs } : {}),
        // Faults the client retried before this answer: how many, and of which kinds.
        ...(faults.length ? { retries: { count: faults.length, kinds: kindCounts(faults) } } : {}),
      },
    };
  }

  /** fetch that notes each failed attempt (an HTTP error status, or a network error) of a traced request. */
  private async tracedFetch(
    url: Parameters<typeof fetch>[0],
    init?: Parameters<typeof fetch>[1],
  ): Promise<Response> {
    const headers = new Headers(init?.headers);
    const faults = this.faults.get(headers.get(TRACE_HEADER) ?? "");
    try {
      const response = await fetch(url, init);
      if (faults && response.status >= 400) faults.push(`http_${response.status}`);
      return response;
    } catch (error) {
      if (faults) faults.push(faultKind(error));
      throw error;
    }
  }

  private usage(
    response: OpenAI.Chat.Completions.ChatCompletion,
    messages: Message[],
    tools: CompletionRequest["tools"],
    message: Message,
  ): TokenUsage | undefined {
    const u = response.usage;
    if (u && typeof u.prompt_tokens === "number" && typeof u.completion_tokens === "number") {
      return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, estimated: false };
    }
    if (!knowsTokenizer(this.options.model)) return undefined;
    return {
      prompt_tokens: countConversationTokens(messages, tools),
      completion_tokens: countConversationTokens([message], []) - 3,
      estimated: true,
    };
  }

  /**
   * Counts with the model family's tokenizer when sealign knows it (Qwen); left undefined
   * otherwise, so that the context budget uses the server's own prompt counts instead.
   */
  readonly countTokens?: (messages: Message[], tools: CompletionRequest["tools"]) => number;
}

/** The header that ties the client's attempts to one request (servers ignore it). */
const TRACE_HEADER = "x-sealign-request";

/** A network error's kind: its code (ECONNREFUSED, ...) or timeout / abort. */
function faultKind(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string }; code?: string };
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return "timeout_or_abort";
  return e?.cause?.code ?? e?.code ?? e?.name ?? "network_error";
}

function kindCounts(faults: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of faults) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * Servers differ in small ways: some leave out a tool call's `id` or `type`, some send
 * `arguments` as an object. Those are filled in (and listed in `repairs`, recorded with the
 * request) so that tool results can answer the call; the arguments' content is kept as sent.
 */
function normaliseToolCall(call: unknown, fallbackId: string, repairs: string[]): unknown {
  if (call === null || typeof call !== "object") return call;
  const c = call as { id?: unknown; type?: unknown; function?: { name?: unknown; arguments?: unknown } };
  const out: Record<string, unknown> = { ...c };
  if (typeof c.id !== "string" || !c.id) {
    out.id = fallbackId;
    repairs.push(`tool call without id: given ${fallbackId}`);
  }
  if (c.type === undefined) out.type = "function";
  if (c.function && typeof c.function.arguments === "object" && c.function.arguments !== null) {
    out.function = { ...c.function, arguments: JSON.stringify(c.function.arguments) };
    repairs.push(`arguments of ${String(c.function.name)} sent as an object: serialised`);
  }
  return out;
}

/** `openai:MODEL`: base URL and key from options, else OPENAI_BASE_URL / OPENAI_API_KEY. */
export function createOpenAIProvider(model: string, options: ProviderOptions): OpenAIProvider {
  const env = options.env ?? process.env;
  if (!model)
    throw new InputError('model SPEC "openai:" needs a model name, e.g. openai:qwen2.5-coder-14b', {
      field: "--model",
    });
  const baseUrl = options.baseUrl ?? env.OPENAI_BASE_URL;
  if (!baseUrl) {
    throw new InputError(
      "no server for openai:MODEL: pass --base-url or set OPENAI_BASE_URL (e.g. http://localhost:8000/v1)",
      {
        field: "--base-url",
      },
    );
  }
  return new OpenAIProvider({
    model,
    baseUrl,
    // local servers accept any key; the client library insists on one
    apiKey: options.apiKey ?? env.OPENAI_API_KEY ?? "none",
    timeoutMs: options.timeoutMs,
    maxRetries: options.maxRetries,
    extraBody: options.extraBody as Record<string, unknown> | undefined,
  });
}
