import { InputError } from "../errors.js";
import type { ProviderOptions } from "./options.js";
import type { ModelProvider } from "./types.js";

// Re-exported: collect and the library index name it from the registry.
export type { ProviderOptions } from "./options.js";

/** Builds a provider from the part of the SPEC after `prefix:` (may be ""). */
export type ProviderFactory = (
  rest: string,
  options: ProviderOptions,
) => ModelProvider | Promise<ModelProvider>;

const factories = new Map<string, ProviderFactory>();

/**
 * Register a provider under a SPEC prefix: `openai`, `embedded`, `sim`... A later registration
 * of the same prefix replaces the earlier one (so a user can override a built-in).
 */
export function registerProvider(prefix: string, factory: ProviderFactory): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(prefix)) throw new Error(`bad provider prefix "${prefix}"`);
  factories.set(prefix, factory);
}

/** The prefixes registered so far. */
export function providerPrefixes(): string[] {
  return [...factories.keys()].sort();
}

/** Split a model SPEC into its prefix and the rest: "openai:qwen" -> ["openai", "qwen"]; "sim" -> ["sim", ""]. */
export function parseModelSpec(spec: string): { prefix: string; rest: string } {
  const trimmed = spec.trim();
  if (!trimmed) throw new InputError("empty model SPEC", { field: "--model" });
  const colon = trimmed.indexOf(":");
  if (colon === -1) return { prefix: trimmed, rest: "" };
  return { prefix: trimmed.slice(0, colon), rest: trimmed.slice(colon + 1) };
}

/**
 * Create a provider from a SPEC such as `openai:MODEL`, `embedded:/path/model.gguf`,
 * `embedded:hf:user/repo/file.gguf` or `sim`. Unknown prefixes are an InputError listing the
 * known ones.
 */
export async function createProvider(spec: string, options: ProviderOptions = {}): Promise<ModelProvider> {
  const { prefix, rest } = parseModelSpec(spec);
  const factory = factories.get(prefix);
  if (!factory) {
    throw new InputError(
      `unknown model provider "${prefix}" in SPEC "${spec}" (known: ${providerPrefixes().join(", ") || "none"})`,
      { field: "--model" },
    );
  }
  return factory(rest, options);
}

// The built-in providers, registered here and nowhere else. Each is loaded on first use, so that
// importing sealign does not load their dependencies (node-llama-cpp is heavy). The simulated
// teacher is one of them: it answers the same interface, and nothing it imports leads back here
// (test/architecture.test.ts checks that the imports form no circle).
registerProvider("openai", async (rest, options) =>
  (await import("./openai.js")).createOpenAIProvider(rest, options),
);
registerProvider("embedded", async (rest, options) =>
  (await import("./embedded.js")).createEmbeddedProvider(rest, options),
);
registerProvider("sim", async (rest, options) =>
  (await import("../sim/provider.js")).createSimProvider(rest, options),
);
