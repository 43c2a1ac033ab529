import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { NODE_LLAMA_CPP, NODE_LLAMA_CPP_RANGE, resolveOptional } from "../providers/llama-cpp.js";
import { cacheDir, venvPython } from "./paths.js";
import { runChecked } from "./process.js";

/**
 * Hugging Face checkpoint -> GGUF, with llama.cpp's own convert_hf_to_gguf.py. node-llama-cpp
 * ships llama.cpp's source as a git bundle; it is cloned once into the cache and its converter
 * runs in the trainer's Python environment with the bundle's gguf-py on PYTHONPATH, so the GGUF
 * matches the llama.cpp that node-llama-cpp runs.
 */

/** GGUF tensor types the converter writes directly. */
export const GGUF_OUT_TYPES = ["f32", "f16", "bf16", "q8_0", "auto"] as const;
export type GgufOutType = (typeof GGUF_OUT_TYPES)[number];

/** node-llama-cpp's bundled llama.cpp source (a git bundle) and the release tag it is. */
export function llamaCppBundle(): { bundle: string; tag: string } {
  const main = resolveOptional(
    NODE_LLAMA_CPP,
    NODE_LLAMA_CPP_RANGE,
    "the GGUF export (llama.cpp's converter)",
  );
  let dir = dirname(main);
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  const bundle = join(dir, "llama", "gitRelease.bundle");
  if (!existsSync(bundle)) throw new Error(`node-llama-cpp ships no llama.cpp source bundle at ${bundle}`);
  const infoPath = join(dir, "llama", "llama.cpp.info.json");
  const tag = existsSync(infoPath)
    ? String((JSON.parse(readFileSync(infoPath, "utf8")) as { tag?: string }).tag ?? "unknown")
    : "unknown";
  return { bundle, tag };
}

/** Clone llama.cpp from node-llama-cpp's bundle into the cache (once per release tag). */
export async function ensureLlamaCpp(): Promise<{ dir: string; tag: string }> {
  const { bundle, tag } = llamaCppBundle();
  const dir = join(cacheDir(), `llama.cpp-${tag.replace(/[^A-Za-z0-9._-]/g, "_")}`);
  if (existsSync(join(dir, "convert_hf_to_gguf.py"))) return { dir, tag };
  await mkdir(cacheDir(), { recursive: true });
  // Clone beside and rename: a crash or a concurrent clone never leaves a half checkout in place.
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await runChecked("cloning llama.cpp from node-llama-cpp's bundle", "git", [
      "clone",
      "--quiet",
      bundle,
      temp,
    ]);
    if (!existsSync(join(dir, "convert_hf_to_gguf.py"))) await rename(temp, dir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return { dir, tag };
}

export interface ConvertOptions {
  /** Tensor type of the GGUF (default f16; f32 keeps a tiny model exact). */
  outType?: GgufOutType;
  /** Python of the trainer's environment (default: the project venv's). */
  python?: string;
  onLine?: (line: string) => void;
  timeoutMs?: number;
}

/**
 * Convert a Hugging Face model folder (config.json, safetensors, tokenizer files) into one GGUF
 * file at `outFile`, written atomically. Returns the file's path and size.
 */
export async function convertToGguf(
  hfDir: string,
  outFile: string,
  options: ConvertOptions = {},
): Promise<{ path: string; bytes: number; llamaCppTag: string }> {
  const modelDir = resolve(hfDir);
  if (!existsSync(join(modelDir, "config.json")))
    throw new InputError("not a Hugging Face model folder (no config.json)", { file: modelDir });
  const python = options.python ?? venvPython();
  if (!existsSync(python))
    throw new Error(
      `no trainer Python environment at ${python}: run scripts/setup-trainer.sh (or sealign train)`,
    );
  const { dir, tag } = await ensureLlamaCpp();
  const target = resolve(outFile);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  try {
    await runChecked(
      "convert_hf_to_gguf.py",
      python,
      [
        join(dir, "convert_hf_to_gguf.py"),
        modelDir,
        "--outfile",
        temp,
        "--outtype",
        options.outType ?? "f16",
      ],
      {
        env: { ...process.env, PYTHONPATH: join(dir, "gguf-py") },
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      },
    );
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return { path: target, bytes: (await stat(target)).size, llamaCppTag: tag };
}
