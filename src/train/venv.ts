import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pythonFile, venvDir, venvPython } from "./paths.js";
import { runChecked } from "./process.js";

/**
 * The trainer's project-local Python environment: pinned TRL, transformers, accelerate and
 * torch from python/requirements-trainer.txt. `scripts/setup-trainer.sh` and
 * `ensureTrainerVenv` do the same steps and share the stamp file, so it is set up once.
 */
export const REQUIREMENTS_FILE = pythonFile("requirements-trainer.txt");
const STAMP = ".sealign-trainer";

/** The pinned requirement lines (comments and blanks dropped). */
export function trainerRequirements(): string[] {
  return readFileSync(REQUIREMENTS_FILE, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
}

/** True when the environment exists and was set up from the current requirements file. */
export function trainerVenvReady(dir = venvDir()): boolean {
  const stamp = join(dir, STAMP);
  if (!existsSync(join(dir, "bin", "python")) || !existsSync(stamp)) return false;
  return readFileSync(stamp, "utf8") === readFileSync(REQUIREMENTS_FILE, "utf8");
}

export interface EnsureVenvOptions {
  /** Progress lines (pip's output). */
  onLine?: (line: string) => void;
  /** The Python that creates the environment (default: `SEALIGN_PYTHON` or python3). */
  python?: string;
}

/**
 * Create (once) the trainer's environment and return its interpreter. torch goes in first and
 * alone: asked for by another package with a looser range, pip would fetch a newer build
 * (several GB of CUDA packages) instead of the pinned one.
 */
export async function ensureTrainerVenv(options: EnsureVenvOptions = {}): Promise<string> {
  const dir = venvDir();
  if (trainerVenvReady(dir)) return venvPython();
  const onLine = (line: string) => {
    if (!line.includes("is ignored: it is neither a file nor a directory")) options.onLine?.(line);
  };
  await mkdir(dir, { recursive: true });
  await rm(join(dir, STAMP), { force: true });
  if (!existsSync(venvPython())) {
    await runChecked(
      "creating the trainer's venv",
      options.python ?? process.env.SEALIGN_PYTHON ?? "python3",
      ["-m", "venv", dir],
    );
  }
  const pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"];
  const torch = trainerRequirements().find((line) => line.startsWith("torch=="));
  if (torch) await runChecked("pip install torch", venvPython(), [...pip, torch], { onLine });
  await runChecked(
    "pip install of the trainer's requirements",
    venvPython(),
    [...pip, "-r", REQUIREMENTS_FILE],
    {
      onLine,
    },
  );
  await writeFile(join(dir, STAMP), readFileSync(REQUIREMENTS_FILE, "utf8"));
  return venvPython();
}
