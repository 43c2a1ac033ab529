import { readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The prefix of validate's scratch folders: `<tmp>/sealign-validate-ws-<pid>-<random>`. */
export const VALIDATE_WORK_PREFIX = "sealign-validate-ws-";

/** True while a process with this id exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove the scratch folders of validate runs that were killed (SIGKILL, a crash, a power cut)
 * and so never cleaned up: they hold copies of bases and the tasks' hidden tests. Only folders
 * whose owner process is gone are touched; a live run's folder is left alone. Returns the
 * folders removed.
 */
export async function sweepStaleValidateWork(root = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(VALIDATE_WORK_PREFIX)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(VALIDATE_WORK_PREFIX.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const path = join(root, name);
    await rm(path, { recursive: true, force: true }).then(
      () => removed.push(path),
      () => undefined, // not ours to remove (another user's): leave it
    );
  }
  return removed;
}
