import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the trainer's local state lives. sealign keeps its Python environment and caches beside
 * the package (the project's root in a checkout), so that one machine sets them up once; both
 * can be moved with environment variables (a read-only install, a shared cache).
 */

/** The package root: src/train/ or dist/train/ is two folders below it. */
export const PACKAGE_ROOT: string = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Folder of sealign's caches (llama.cpp checkout, tiny models): `SEALIGN_CACHE_DIR` or `.cache/`. */
export function cacheDir(): string {
  return process.env.SEALIGN_CACHE_DIR
    ? resolve(process.env.SEALIGN_CACHE_DIR)
    : join(PACKAGE_ROOT, ".cache");
}

/** The trainer's virtual environment: `SEALIGN_VENV` or `.venv/` at the package root. */
export function venvDir(): string {
  return process.env.SEALIGN_VENV ? resolve(process.env.SEALIGN_VENV) : join(PACKAGE_ROOT, ".venv");
}

/** The Python interpreter inside the trainer's environment. */
export function venvPython(): string {
  return join(venvDir(), "bin", "python");
}

/** A file of the package's python/ folder (small entry points, pinned requirements). */
export function pythonFile(name: string): string {
  return join(PACKAGE_ROOT, "python", name);
}
