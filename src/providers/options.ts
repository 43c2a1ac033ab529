/**
 * The options a provider factory is given. Their own module, below the registry, so that the
 * providers the registry loads (openai, embedded, sim) can name them without importing the
 * registry back.
 */

/** Options every provider factory may read; each uses what applies to it. */
export interface ProviderOptions {
  /** OpenAI-compatible server base URL (`--base-url`, else OPENAI_BASE_URL). */
  baseUrl?: string;
  /** API key (`--api-key`, else OPENAI_API_KEY). */
  apiKey?: string;
  /** Per-request time-out in ms. */
  timeoutMs?: number;
  /** Retries on 429 / 5xx / time-outs. */
  maxRetries?: number;
  /** Where downloaded models are cached (embedded provider). */
  cacheDir?: string;
  /** Context size for in-process models (tokens). */
  contextSize?: number;
  /** Environment to read defaults from (default process.env); tests pass their own. */
  env?: Record<string, string | undefined>;
  /** Anything else a third-party provider wants. */
  [key: string]: unknown;
}
