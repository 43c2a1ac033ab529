import type { Task } from "../schema/task.js";
import type { AssistantMessage, Message, Tool } from "../schema/trajectory.js";

/** Sampling parameters sent with every completion request (and recorded in provenance). */
export interface Sampling {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  /** Per-episode seed; providers that support seeding pass it on. */
  seed?: number;
  /**
   * OpenAI's `tool_choice`: "auto" (default) lets the model answer in text; "required" makes
   * every reply a tool call (the embedded provider enforces it with a grammar).
   */
  tool_choice?: "auto" | "required";
}

/** One completion request: the conversation so far and the tools offered. */
export interface CompletionRequest {
  messages: Message[];
  tools: Tool[];
  sampling: Sampling;
  /** Aborted when the episode's wall-clock limit passes or the run is stopped. */
  signal?: AbortSignal;
}

/**
 * What the episode runner tells a provider about the call. Real model servers ignore it; the
 * simulated teacher (`sim`) uses `task` (e.g. its gold patch) to choose its actions.
 */
export interface CompletionContext {
  task: Task;
  episodeId: string;
  sampleIndex: number;
  /** The episode's seed (also in `sampling.seed`). */
  seed: number;
  /** 0-based index of this assistant turn in the episode. */
  turn: number;
  /**
   * Set when the episode is a tree-search branch (docs/search.md): its first `turns` assistant
   * turns were replayed from recorded trajectories, not generated now; `seeds` says which
   * episode seed generated them (each entry from its turn `from` to the next entry's). A real
   * model continues from the messages alone; the simulator needs this to play its own prefix.
   */
  replayed?: { turns: number; seeds: { seed: number; from: number }[] };
}

/** Token counts for one completion. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** True when counted locally with the model's tokenizer rather than reported by the server. */
  estimated: boolean;
}

/** A provider's answer: the assistant message exactly as the model produced it. */
export interface CompletionResult {
  message: AssistantMessage;
  /** Token usage, when the server reports it or the tokenizer is known. */
  usage?: TokenUsage;
  /** The request parameters actually sent (model, sampling, endpoint...), for provenance. */
  request?: Record<string, unknown>;
}

/**
 * A model that answers chat requests with tool calls. Implementations: `openai` (any
 * OpenAI-compatible server), `embedded` (a GGUF model in-process), `sim` (the demo's
 * simulated teacher, registered by its own module).
 *
 * `complete` throws `ModelError` for failures the episode should end on (`model_error`);
 * transient failures are retried by the provider itself.
 */
export interface ModelProvider {
  /** The model's name as recorded in `provenance.model` (e.g. "openai:qwen2.5-coder-14b"). */
  readonly name: string;
  complete(request: CompletionRequest, context: CompletionContext): Promise<CompletionResult>;
  /** Count tokens of a conversation with the model's tokenizer, when known (context budget). */
  countTokens?(messages: Message[], tools: Tool[]): Promise<number> | number;
  /** Free resources (loaded models, sockets). */
  close?(): Promise<void>;
}

/** A model call that failed for good (after retries): ends the episode as `model_error`. */
export class ModelError extends Error {
  /** HTTP status when the failure came from a server. */
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ModelError";
    this.status = options.status;
  }
}
