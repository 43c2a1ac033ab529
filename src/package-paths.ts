import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where sealign's local state lives. It keeps the trainer's Python environment and its caches
 * beside the package (the project's root in a checkout), so that one machine sets them up once;
 * both can be moved with environment variables (a read-only install, a shared cache).
 *
 * At the bottom of the import graph (beside version.ts and errors.ts): the renderer looks for
 * TRL's chat templates in the environment, the SWE-bench bridge runs its Python helper there,
 * and training installs and runs it, so none of them may own these paths.
 */

/** The package root: this file is in src/ or dist/, one folder below it. */
export const PACKAGE_ROOT: string = resolve(fileURLToPath(new URL("..", import.meta.url)));

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
