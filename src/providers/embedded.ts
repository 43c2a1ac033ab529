import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { availableParallelism, homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import type {
  ChatHistoryItem,
  ChatModelFunctions,
  Llama,
  LlamaChat,
  LlamaContext,
  LlamaGrammar,
  LlamaModel,
} from "node-llama-cpp";
import { InputError } from "../errors.js";
import type { AssistantMessage, Message, Tool } from "../schema/trajectory.js";
import { importNodeLlamaCpp } from "./llama-cpp.js";
import type { ProviderOptions } from "./options.js";
import { messageText } from "./tokens.js";
import {
  type CompletionContext,
  type CompletionRequest,
  type CompletionResult,
  ModelError,
  type ModelProvider,
} from "./types.js";

/** Settings of the in-process GGUF provider. */
export interface EmbeddedProviderOptions {
  modelPath: string;
  /** Name recorded in provenance (default `embedded:<file name>`). */
  name?: string;
  /** Context size in tokens (default 8192, or the model's training context when smaller). */
  contextSize?: number;
  /** CPU threads (default: node-llama-cpp's choice). */
  threads?: number;
  /**
   * With `tool_choice: "required"`: the most characters of each string argument, enforced by
   * the grammar (default none). Small or untrained models otherwise spend their whole token
   * budget inside one string and never finish the call.
   */
  maxArgumentChars?: number;
}

/**
 * A GGUF model run in-process with node-llama-cpp (CPU, prebuilt binary, no network), with
 * tool calling through node-llama-cpp's chat wrappers: the model's own chat template lays out
 * the tools, and once the model starts a call its arguments are grammar-constrained to the
 * tool's JSON schema. Token counts come from the model's own tokenizer (not estimated).
 */
export class EmbeddedProvider implements ModelProvider {
  readonly name: string;
  private readonly options: EmbeddedProviderOptions;
  private loaded: Promise<{
    llama: Llama;
    model: LlamaModel;
    context: LlamaContext;
    chat: LlamaChat;
  }> | null = null;
  /** One generation at a time: the context has one sequence. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: EmbeddedProviderOptions) {
    this.options = options;
    this.name = options.name ?? `embedded:${basename(options.modelPath)}`;
  }

  private load() {
    this.loaded ??= (async () => {
      const { getLlama, LlamaChat } = await importNodeLlamaCpp();
      const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
      const model = await llama.loadModel({ modelPath: this.options.modelPath });
      const contextSize = Math.min(this.options.contextSize ?? 8192, model.trainContextSize || 8192);
      // llama.cpp's default of one thread per core spins badly on a shared or busy machine
      // (measured: 47 s vs 0.3 s for 32 tokens of a tiny model on 2 busy cores): stay modest
      const threads = this.options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
      const context = await model.createContext({ contextSize, threads });
      const chat = new LlamaChat({ contextSequence: context.getSequence() });
      return { llama, model, context, chat };
    })();
    return this.loaded;
  }

  async complete(request: CompletionRequest, context: CompletionContext): Promise<CompletionResult> {
    const run = this.queue.then(() => this.generate(request, context));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async generate(request: CompletionRequest, context: CompletionContext): Promise<CompletionResult> {
    let loaded: Awaited<ReturnType<EmbeddedProvider["load"]>>;
    try {
      loaded = await this.load();
    } catch (error) {
      throw new ModelError(`cannot load GGUF model ${this.options.modelPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const { chat, model, llama } = loaded;
    const { sampling } = request;
    const required = sampling.tool_choice === "required" && request.tools.length > 0;
    const common = {
      maxTokens: sampling.max_tokens ?? 1024,
      temperature: sampling.temperature ?? 0,
      ...(sampling.top_p !== undefined ? { topP: sampling.top_p } : {}),
      seed: sampling.seed ?? context.seed,
      signal: request.signal,
      stopOnAbortSignal: false,
    };
    let message: AssistantMessage;
    let stopReason: string;
    try {
      if (required) {
        // one JSON object {name, arguments}, grammar-constrained to the offered tools
        const grammar = await this.callGrammar(llama, request.tools);
        const history = toChatHistory(withToolsDocumented(request.messages, request.tools));
        const result = await chat.generateResponse(history, { ...common, grammar });
        stopReason = result.metadata.stopReason;
        message = callFromJson(result.response, context.turn);
      } else {
        // the model's own tool-call format, laid out by its chat wrapper; arguments are
        // grammar-constrained once the model starts a call
        const result = await chat.generateResponse(toChatHistory(request.messages), {
          ...common,
          functions: toFunctions(request.tools),
          documentFunctionParams: true,
          maxParallelFunctionCalls: 1,
        });
        stopReason = result.metadata.stopReason;
        const calls = (result.functionCalls ?? []).slice(0, 1);
        message = {
          role: "assistant",
          content: result.response.length ? result.response : null,
          ...(calls.length
            ? {
                tool_calls: calls.map((call, i) => ({
                  id: `call_${context.turn}_${i}`,
                  type: "function" as const,
                  function: { name: call.functionName, arguments: JSON.stringify(call.params ?? {}) },
                })),
              }
            : {}),
        };
      }
    } catch (error) {
      throw new ModelError(`embedded model failed: ${(error as Error).message}`, { cause: error });
    }
    const promptText = request.messages.map((m) => messageText(m)).join("\n");
    return {
      message,
      usage: {
        prompt_tokens: model.tokenize(promptText).length,
        completion_tokens: model.tokenize(messageText(message)).length,
        estimated: false,
      },
      request: {
        model: this.name,
        model_path: this.options.modelPath,
        temperature: common.temperature,
        top_p: sampling.top_p,
        max_tokens: common.maxTokens,
        seed: common.seed,
        tool_choice: required ? "required" : "auto",
        ...(required && this.options.maxArgumentChars
          ? { max_argument_chars: this.options.maxArgumentChars }
          : {}),
        stop_reason: stopReason,
      },
    };
  }

  private grammars = new Map<string, Promise<LlamaGrammar>>();

  /** The grammar of one tool call as a JSON object, cached per tool set. */
  private callGrammar(llama: Llama, tools: Tool[]): Promise<LlamaGrammar> {
    const key = JSON.stringify(tools);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      const schema = {
        oneOf: tools.map((tool) => ({
          type: "object",
          properties: {
            name: { const: tool.function.name },
            arguments: toGrammarSchema(
              tool.function.parameters ?? { type: "object", properties: {} },
              this.options.maxArgumentChars,
            ),
          },
        })),
      };
      grammar = llama.createGrammarForJsonSchema(schema as never) as Promise<LlamaGrammar>;
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  async countTokens(messages: Message[], tools: Tool[]): Promise<number> {
    const { model } = await this.load();
    return model.tokenize(`${JSON.stringify(tools)}\n${messages.map((m) => messageText(m)).join("\n")}`)
      .length;
  }

  async close(): Promise<void> {
    if (!this.loaded) return;
    const loaded = await this.loaded.catch(() => null);
    this.loaded = null;
    if (!loaded) return; // it never loaded: nothing to free
    const { context, model } = loaded;
    await context.dispose();
    await model.dispose();
    this.loaded = null;
  }
}

/** The OpenAI tools as node-llama-cpp functions (their JSON schemas as grammar schemas). */
function toFunctions(tools: Tool[]): ChatModelFunctions {
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of tools) {
    functions[tool.function.name] = {
      description: tool.function.description,
      params: toGrammarSchema(tool.function.parameters ?? { type: "object", properties: {} }) as never,
    };
  }
  return functions;
}

/**
 * node-llama-cpp's grammar schemas take a subset of JSON schema: keep type, enum, items,
 * properties, required and description. A string cap (`maxChars`) is only used for the
 * required-call grammar, whose output sealign parses itself: node-llama-cpp 3.22's own
 * function-call validation counts UTF-16 units where its grammar counts code points, so a capped
 * string holding an emoji would fail there ("Expected at most N characters but got N+1").
 */
function toGrammarSchema(schema: unknown, maxChars?: number): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toGrammarSchema(s, maxChars));
  if (schema === null || typeof schema !== "object") return schema;
  const source = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toGrammarSchema(v, maxChars)]),
      );
    } else if (key === "items") out.items = toGrammarSchema(value, maxChars);
    else if (["type", "enum", "required", "description"].includes(key)) out[key] = value;
  }
  if (maxChars !== undefined && source.type === "string" && !source.enum) out.maxLength = maxChars;
  return out;
}

/** The conversation with the tools listed in the system message (for the required-call grammar). */
function withToolsDocumented(messages: Message[], tools: Tool[]): Message[] {
  const doc = [
    "# Tools",
    "",
    'Call exactly one of these functions. Reply with one JSON object {"name": <function name>, "arguments": <arguments object>}.',
    "<tools>",
    ...tools.map((tool) => JSON.stringify(tool)),
    "</tools>",
  ].join("\n");
  const [first, ...rest] = messages;
  if (first?.role === "system") return [{ ...first, content: `${messageText(first)}\n\n${doc}` }, ...rest];
  return [{ role: "system", content: doc }, ...messages];
}

/** The assistant message for a grammar-constrained `{name, arguments}` reply (text when cut short). */
function callFromJson(text: string, turn: number): AssistantMessage {
  let parsed: { name?: unknown; arguments?: unknown } | null = null;
  try {
    parsed = JSON.parse(text) as { name?: unknown; arguments?: unknown };
  } catch {
    // cut off by max_tokens before the object closed: recorded as the text it is
  }
  if (!parsed || typeof parsed.name !== "string") return { role: "assistant", content: text };
  return {
    role: "assistant",
    content: null,
    tool_calls: [
      {
        id: `call_${turn}_0`,
        type: "function",
        function: { name: parsed.name, arguments: JSON.stringify(parsed.arguments ?? {}) },
      },
    ],
  };
}

/** OpenAI chat messages as node-llama-cpp chat history (tool results attached to their calls). */
export function toChatHistory(messages: Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const results = new Map<string, string>();
  for (const m of messages) if (m.role === "tool") results.set(m.tool_call_id, messageText(m));
  for (const m of messages) {
    if (m.role === "system") history.push({ type: "system", text: messageText(m) });
    else if (m.role === "user") history.push({ type: "user", text: messageText(m) });
    else if (m.role === "assistant") {
      const response: (string | { type: "functionCall"; name: string; params: unknown; result: unknown })[] =
        [];
      const text = typeof m.content === "string" ? m.content : messageText({ ...m, tool_calls: undefined });
      if (text) response.push(text);
      for (const call of m.tool_calls ?? []) {
        let params: unknown;
        try {
          params = JSON.parse(call.function.arguments);
        } catch {
          params = call.function.arguments;
        }
        response.push({
          type: "functionCall",
          name: call.function.name,
          params,
          result: results.get(call.id) ?? "",
        });
      }
      history.push({ type: "model", response: response as never });
    }
  }
  return history;
}

/** True when the file starts with the GGUF magic bytes. */
function isGguf(path: string): boolean {
  const head = Buffer.alloc(4);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString("latin1") === "GGUF";
}

/** Where `embedded:hf:...` models are cached (default ~/.cache/sealign/models). */
export function modelCacheDir(options: ProviderOptions): string {
  return resolve(options.cacheDir ?? join(homedir(), ".cache", "sealign", "models"));
}

/**
 * `embedded:/path/model.gguf`, or `embedded:hf:user/repo/file.gguf` (downloaded once into the
 * cache with node-llama-cpp's downloader; offline, the cached copy is used or the error says
 * what is missing and where to put it).
 */
export async function createEmbeddedProvider(
  rest: string,
  options: ProviderOptions,
): Promise<EmbeddedProvider> {
  if (!rest)
    throw new InputError('model SPEC "embedded:" needs a GGUF path or hf:user/repo/file.gguf', {
      field: "--model",
    });
  // fail before any work starts (exit 2, how to add it) when the optional package is absent
  await importNodeLlamaCpp();
  let modelPath: string;
  if (rest.startsWith("hf:")) {
    const ref = rest.slice(3);
    const parts = ref.split("/");
    if (parts.length < 3 || !ref.endsWith(".gguf")) {
      throw new InputError(`embedded:hf: expects hf:user/repo/file.gguf, got "${rest}"`, {
        field: "--model",
      });
    }
    const dir = modelCacheDir(options);
    const fileName = `hf_${parts.join("_")}`;
    modelPath = join(dir, fileName);
    if (!existsSync(modelPath)) {
      await mkdir(dir, { recursive: true });
      const { createModelDownloader } = await importNodeLlamaCpp();
      try {
        const downloader = await createModelDownloader({
          modelUri: `hf:${ref}`,
          dirPath: dir,
          fileName,
          showCliProgress: Boolean(process.stderr.isTTY),
        });
        modelPath = await downloader.download();
      } catch (error) {
        throw new InputError(
          `cannot download hf:${ref} (${(error as Error).message}); offline, download it elsewhere and put it at ${modelPath}, or pass embedded:/path/to/file.gguf`,
          { field: "--model" },
        );
      }
    }
  } else {
    modelPath = resolve(rest);
    if (!existsSync(modelPath)) {
      throw new InputError(`GGUF model not found: ${modelPath} (embedded:PATH needs a local .gguf file)`, {
        field: "--model",
      });
    }
    if (!isGguf(modelPath)) {
      throw new InputError(`not a GGUF file (no "GGUF" magic at its start): ${modelPath}`, {
        field: "--model",
      });
    }
  }
  return new EmbeddedProvider({
    modelPath,
    contextSize: options.contextSize as number | undefined,
    threads: options.threads as number | undefined,
    maxArgumentChars: options.maxArgumentChars as number | undefined,
  });
}
