import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** How a patch went onto a workspace. */
export interface ApplyResult {
  applied: boolean;
  /** The command that succeeded ("git apply", "git apply --reject", "patch --fuzz=5"), or null. */
  method: string | null;
  /** What each attempt printed, for the instance log. */
  log: string;
}

interface Attempt {
  method: string;
  argv: string[];
}

/** SWE-bench's order of attempts: strict first, then partial, then fuzzy. */
function attempts(patchFile: string): Attempt[] {
  return [
    { method: "git apply", argv: ["git", "apply", "--verbose", "--whitespace=nowarn", patchFile] },
    {
      method: "git apply --reject",
      argv: ["git", "apply", "--verbose", "--reject", "--whitespace=nowarn", patchFile],
    },
    {
      method: "patch --fuzz=5",
      argv: ["patch", "--batch", "--fuzz=5", "--no-backup-if-mismatch", "-p1", "-i", patchFile],
    },
  ];
}

async function attempt(
  argv: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(argv[0]!, argv.slice(1), {
      cwd,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", GIT_CONFIG_NOSYSTEM: "1" },
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: (e.stdout ?? "") + (e.stderr ?? "") || e.message };
  }
}

/** Undo a failed partial attempt: back to the committed base, untracked files (.rej) gone. */
async function resetWorkspace(cwd: string, timeoutMs: number): Promise<void> {
  await attempt(["git", "reset", "-q", "--hard", "HEAD"], cwd, timeoutMs);
  await attempt(["git", "clean", "-q", "-f", "-d"], cwd, timeoutMs);
}

/**
 * Apply a patch file to a workspace (a git work tree at the base): `git apply`, then
 * `git apply --reject`, then `patch --fuzz=5`, resetting the tree between attempts so a
 * partial application never leaks into the next one.
 */
export async function applyPatch(
  workspace: string,
  patchFile: string,
  timeoutMs = 60_000,
): Promise<ApplyResult> {
  const logs: string[] = [];
  for (const { method, argv } of attempts(patchFile)) {
    const result = await attempt(argv, workspace, timeoutMs);
    logs.push(`$ ${method}\n${result.output.trimEnd()}\n-> ${result.ok ? "applied" : "failed"}`);
    if (result.ok) return { applied: true, method, log: logs.join("\n") };
    await resetWorkspace(workspace, timeoutMs);
  }
  return { applied: false, method: null, log: logs.join("\n") };
}

/** The files a patch touches (b-side paths, and a-side paths of deletions). */
export function patchedFiles(patch: string): string[] {
  const files = new Set<string>();
  for (const line of patch.split("\n")) {
    const git = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (git) {
      files.add(git[1]!);
      files.add(git[2]!);
    }
  }
  return [...files];
}
