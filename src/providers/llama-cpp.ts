import { createRequire } from "node:module";
import { InputError } from "../errors.js";

/**
 * node-llama-cpp is an optional peer dependency: its prebuilt CPU/CUDA/Vulkan binaries are about
 * 670 MB, which nobody who only uses OpenAI-compatible servers should download. It is loaded on
 * first use of the embedded model (and of the GGUF export, which uses its bundled llama.cpp).
 */
export const NODE_LLAMA_CPP = "node-llama-cpp";
/** The range sealign is built and tested against (package.json's peerDependencies). */
export const NODE_LLAMA_CPP_RANGE = "^3.21.1";

/** The message when an optional package is missing: what needs it and how to add it. */
export function missingOptionalMessage(name: string, range: string, purpose: string): string {
  return (
    `${purpose} needs ${name}, an optional dependency that sealign does not install by default; ` +
    `add it with \`npm install ${name}@${range}\` in the project that uses sealign ` +
    `(\`npm install -g ${name}@${range}\` for a global sealign)`
  );
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    String((error as Error).message).includes(name)
  );
}

/**
 * Import an optional package by name; when it is not installed, an InputError (exit 2) that says
 * which feature needs it and the command that adds it. Any other failure (a broken install, a
 * missing native binary) is rethrown as it is.
 */
export async function importOptional<T>(name: string, range: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if (isModuleNotFound(error, name)) {
      throw new InputError(missingOptionalMessage(name, range, purpose), { field: "--model" });
    }
    throw error;
  }
}

/** Where an optional package's entry point is, with the same message when it is missing. */
export function resolveOptional(name: string, range: string, purpose: string): string {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch (error) {
    if (isModuleNotFound(error, name)) throw new InputError(missingOptionalMessage(name, range, purpose));
    throw error;
  }
}

/** node-llama-cpp, loaded on first use (see above). */
export function importNodeLlamaCpp(
  purpose = "the embedded model (embedded:...)",
): Promise<typeof import("node-llama-cpp")> {
  return importOptional<typeof import("node-llama-cpp")>(NODE_LLAMA_CPP, NODE_LLAMA_CPP_RANGE, purpose);
}
