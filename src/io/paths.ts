import { accessSync, constants, statSync } from "node:fs";
import { access, mkdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { InputError } from "../errors.js";

/**
 * Checks of the paths a command reads and writes, made before any work starts, so that a bad
 * path is one clear line (naming the path and what is wrong with it, exit 2) instead of a raw
 * errno from deep inside a stage. Node's own messages are misleading here: a recursive mkdir
 * under a read-only folder reports "ENOENT", and reading a folder reports "EISDIR ... read"
 * without its path.
 */

/** What an errno means for a path the user named, in words. */
const REASONS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is a file, not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EEXIST: "already exists",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
};

/** The errno codes that say something about a path the user gave (bad input, exit 2). */
const PATH_CODES = new Set(Object.keys(REASONS));

interface FsError extends Error {
  code?: string;
  path?: string;
  dest?: string;
  syscall?: string;
}

/** Make sure `path` names a readable file; `what` says which input it is (e.g. "--tasks"). */
export async function checkInputFile(path: string, what = "input"): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new InputError(`${what}: ${reasonOf(error as FsError)}`, { file: path });
  }
  if (info.isDirectory()) throw new InputError(`${what}: is a folder, not a file`, { file: path });
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    throw new InputError(`${what}: cannot read: ${reasonOf(error as FsError)}`, { file: path });
  }
}

/** checkInputFile for each of `paths`, in order: the first bad one is reported. */
export async function checkInputFiles(paths: readonly string[], what = "input"): Promise<void> {
  for (const path of paths) await checkInputFile(path, what);
}

/**
 * Refuse an output that is one of the inputs (`pairs X -o X`): writing it would replace the
 * data being read. Compared by real path, so a symlink or `./X` is caught too.
 */
export async function refuseOutputAmongInputs(
  output: string,
  inputs: readonly string[],
  what = "output",
): Promise<void> {
  const target = await realOrResolved(output);
  for (const input of inputs) {
    if ((await realOrResolved(input)) === target)
      throw new InputError(`${what} is also an input (${input}): it would be replaced; choose another path`, {
        file: output,
      });
  }
}

async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    // Not there yet: its folder may still be a symlink to an input's folder.
    try {
      return resolve(await realpath(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** Make sure `path` names a folder (a run folder, a repos folder). */
export async function checkInputDir(path: string, what = "input"): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new InputError(`${what}: ${reasonOf(error as FsError)}`, { file: path });
  }
  if (!info.isDirectory()) throw new InputError(`${what}: is a file, not a folder`, { file: path });
}

/**
 * Create the folder `dir` (and its parents) for output, or say exactly why it cannot be:
 * which part of the path is a file, or that the nearest existing folder is read-only or not
 * writable. `what` names the option (e.g. "--out").
 */
export async function ensureOutputDir(dir: string, what = "output folder"): Promise<void> {
  const problem = await outputDirProblem(dir);
  if (problem) throw new InputError(`${what}: ${problem}`, { file: dir });
}

/** Make sure a file can be written at `path`: it is not a folder and its folder can be made. */
export async function ensureOutputFile(path: string, what = "output"): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    // Not there yet: the usual case.
  }
  if (isDirectory) throw new InputError(`${what}: is a folder, not a file`, { file: path });
  const problem = await outputDirProblem(dirname(path) || ".");
  if (problem) throw new InputError(`${what}: ${problem}`, { file: path });
}

/** Why the folder `dir` cannot be made or written into, or null once it exists and is writable. */
async function outputDirProblem(dir: string): Promise<string | null> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    return diagnoseUnwritable(dir) ?? `cannot create ${dir}: ${reasonOf(error as FsError)}`;
  }
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    return `cannot write into ${dir}: ${reasonOf(error as FsError)}`;
  }
  return null;
}

/** Walk up from `path` to the first part that exists and say why nothing can be made below it. */
function diagnoseUnwritable(path: string): string | null {
  let current = resolve(path);
  for (;;) {
    let isDirectory: boolean | null = null;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch {
      isDirectory = null;
    }
    if (isDirectory === false) return `${current} is a file, not a folder`;
    if (isDirectory === true) {
      try {
        accessSync(current, constants.W_OK);
        return null;
      } catch (error) {
        const code = (error as FsError).code ?? "";
        return `cannot create anything in ${current}: ${REASONS[code] ?? code}`;
      }
    }
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

function reasonOf(error: FsError): string {
  return (error.code && REASONS[error.code]) ?? error.message;
}

/**
 * A file-system error about a path (ENOENT, EISDIR, EACCES, EROFS, ...) raised anywhere in a
 * command, as an InputError naming the path: the CLI's last line of defence, so that a path
 * problem no stage checked for still exits 2 with the path and the reason. Other errors
 * (a spawn failure, a bug) give null and stay failures.
 */
export function pathErrorAsInputError(error: unknown): InputError | null {
  const e = error as FsError;
  if (!e || typeof e !== "object" || !e.code || !PATH_CODES.has(e.code)) return null;
  if (!e.syscall || e.syscall.startsWith("spawn")) return null;
  const path = e.path;
  if (!path) return null;
  const writing = ["mkdir", "open", "rename", "copyfile", "unlink", "rmdir", "symlink", "write"].includes(
    e.syscall,
  );
  if (writing && (e.syscall === "mkdir" || e.code === "EROFS")) {
    const diagnosis = diagnoseUnwritable(e.syscall === "mkdir" ? path : dirname(path));
    if (diagnosis) return new InputError(diagnosis, { file: path });
  }
  return new InputError(`${REASONS[e.code]} (${e.syscall})`, { file: path });
}
