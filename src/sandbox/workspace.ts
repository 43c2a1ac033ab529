import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { InputError } from "../errors.js";
import { safeFileName } from "../io/names.js";
import { isInlineTask, type Task } from "../schema/task.js";

const run = promisify(execFile);

/** Fixed identity and dates so that base commits (and so patches) are reproducible. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: "sealign",
  GIT_AUTHOR_EMAIL: "sealign@localhost",
  GIT_COMMITTER_NAME: "sealign",
  GIT_COMMITTER_EMAIL: "sealign@localhost",
  GIT_AUTHOR_DATE: "2000-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2000-01-01T00:00:00Z",
  // no system or user configuration: only what sealign passes (and the repository's own)
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
};

/**
 * Run git on the host in a directory with sealign's fixed identity; returns stdout.
 *
 * Only for repositories no model or patch has touched (a base being built, a fresh clone of
 * it): on a touched workspace git runs inside its environment (src/runtime/workspace-ops.ts).
 * Even so no hook or fsmonitor command configured anywhere may run.
 */
export async function git(
  cwd: string,
  args: string[],
  options: { maxBuffer?: number } = {},
): Promise<string> {
  const { stdout } = await run(
    "git",
    ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=", "-c", "advice.detachedHead=false", ...args],
    {
      cwd,
      env: { ...process.env, ...GIT_ENV },
      maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
    },
  );
  return stdout;
}

/** Resolve a relative path inside `root`, refusing anything that escapes it. */
export function pathInside(root: string, relative: string, what = "path"): string {
  const full = resolve(root, relative);
  if (full !== root && !full.startsWith(root + sep)) {
    throw new InputError(`${what} "${relative}" escapes the workspace`);
  }
  return full;
}

/** Write a map of relative path -> content into a directory. */
export async function writeFiles(
  root: string,
  files: Record<string, string>,
  field = "files",
): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const full = pathInside(root, relative, `${field} entry`);
    if (relative.split(/[\\/]/).includes(".git"))
      throw new InputError(`${field} entry "${relative}" writes into git's own folder`, { field });
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

export interface PrepareOptions {
  /** Folder under which workspaces are made (default: the OS temp folder). */
  root?: string;
  /**
   * For repository tasks: a local clone of `task.repo` to check `base_commit` out of.
   * sealign never fetches a repository over the network by itself.
   */
  repoPath?: string;
}

/** Where a task's base lives: a git repository whose HEAD is the task's base. */
export interface BaseWorkspace {
  dir: string;
  /** The commit patches are taken against. */
  baseCommit: string;
}

/**
 * Build the base workspace of a task: a git repository whose HEAD is the base. An inline task's
 * `files` are committed as the base; a repository task is cloned from `repoPath` at
 * `base_commit`. Task tests (`test_files`) are not part of the base: the agent never sees them.
 */
export async function prepareBase(task: Task, options: PrepareOptions = {}): Promise<BaseWorkspace> {
  const parent = options.root ?? join(tmpdir(), "sealign-workspaces");
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${safeFileName(task.instance_id)}-base-`));
  try {
    if (isInlineTask(task)) {
      await git(dir, ["init", "-q", "-b", "main"]);
      await writeFiles(dir, task.files);
      await git(dir, ["add", "-A"]);
      await git(dir, ["commit", "-q", "--allow-empty", "-m", `base of ${task.instance_id}`]);
    } else {
      if (!options.repoPath) {
        throw new InputError(
          `task ${task.instance_id} has no inline files; give a local clone of ${task.repo || "its repository"} (repoPath / --repo-path)`,
          { field: "files" },
        );
      }
      if (!task.base_commit)
        throw new InputError(`task ${task.instance_id} has no base_commit`, { field: "base_commit" });
      await git(parent, ["clone", "-q", "--no-checkout", options.repoPath, dir]);
      await git(dir, ["checkout", "-q", "--detach", task.base_commit]);
    }
    const baseCommit = (await git(dir, ["rev-parse", "HEAD"])).trim();
    return { dir, baseCommit };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * A fresh, independent copy of a base workspace with its own object store (`--no-hardlinks`: a
 * hard-linked object file rewritten in the copy would change the base too). The local runtime
 * makes its environments' workspaces more cheaply (src/runtime/local.ts: alternates onto the
 * base's objects, mounted read-only in the sandbox).
 */
export async function cloneWorkspace(
  base: BaseWorkspace,
  options: { root?: string; name?: string } = {},
): Promise<string> {
  const parent = options.root ?? join(tmpdir(), "sealign-workspaces");
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `${safeFileName(options.name ?? "ws")}-`));
  await rm(dir, { recursive: true });
  // --no-checkout: the files are written once, by the checkout of the base below
  await git(parent, ["clone", "-q", "--no-hardlinks", "--no-checkout", base.dir, dir]);
  await git(dir, ["checkout", "-q", "--detach", base.baseCommit]);
  return dir;
}

/**
 * The workspace's changes against the base as a unified diff (`git add -A; git diff --cached
 * BASE`), binary files left out, as OpenHands does. "" when nothing changed.
 *
 * Host git: only for a folder whose contents the caller trusts (its own test fixtures). A
 * workspace a model or a patch touched gets `computePatch(env)` (src/runtime/workspace-ops.ts),
 * which runs inside the environment with hardened git.
 */
export async function diffAgainstBase(dir: string, baseCommit: string): Promise<string> {
  await git(dir, ["add", "-A"]);
  const numstat = await git(dir, ["diff", "--cached", "--numstat", baseCommit]);
  const binary = numstat
    .split("\n")
    .filter((line) => line.startsWith("-\t-\t"))
    .map((line) => line.slice(4));
  const exclude = binary.map((path) => `:(exclude,literal)${path}`);
  return git(dir, ["diff", "--cached", "--no-color", "--no-ext-diff", baseCommit, "--", ".", ...exclude]);
}

/** Remove a workspace folder and everything in it. */
export async function removeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
