import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A process-count limit for one sandbox, through a `pids` cgroup.
 *
 * Why a cgroup: sealign usually runs as root in containers, where RLIMIT_NPROC is not enforced,
 * so a fork bomb inside bubblewrap would exhaust the host's pid table. A pids cgroup caps the
 * sandbox's processes whatever the uid, and lists them all so that every one can be killed when
 * the sandbox ends. cgroup v1 (`/sys/fs/cgroup/pids`) and v2 (a `pids.max` file in a child of
 * the unified hierarchy) are both tried.
 */
export class PidsCgroup {
  /** Absolute path of the cgroup folder. */
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** The file a process writes its pid to in order to join the cgroup. */
  get procsFile(): string {
    return join(this.path, "cgroup.procs");
  }

  /**
   * Make a cgroup allowing at most `max` processes, or null when this machine offers no
   * writable pids controller (not root, or cgroups not mounted).
   */
  static create(name: string, max: number): PidsCgroup | null {
    const parent = pidsParent();
    if (!parent) return null;
    const path = join(parent, name);
    try {
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, "pids.max"), String(max));
      return new PidsCgroup(path);
    } catch {
      return null;
    }
  }

  /** Host pids of the processes now in the cgroup. */
  pids(): number[] {
    try {
      return readFileSync(this.procsFile, "utf8").split("\n").filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** SIGKILL every process in the cgroup, repeatedly (a fork bomb keeps forking). */
  killAll(): void {
    for (let round = 0; round < 200; round++) {
      const pids = this.pids();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }

  /**
   * Kill everything in the cgroup and remove it. Removal waits (asynchronously, so that Node
   * can reap its own killed children meanwhile) until the last process is gone.
   */
  async destroy(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      this.killAll();
      try {
        rmdirSync(this.path);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        // EBUSY while killed processes are not yet reaped: retry shortly
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }
}

let parentChecked: string | null | undefined;

/** The folder under which sealign makes its pids cgroups, or null when none is writable. */
export function pidsParent(): string | null {
  if (parentChecked !== undefined) return parentChecked;
  parentChecked = null;
  const candidates = ["/sys/fs/cgroup/pids/sealign", "/sys/fs/cgroup/sealign"];
  for (const candidate of candidates) {
    const root = candidate.slice(0, candidate.lastIndexOf("/"));
    if (!existsSync(root)) continue;
    try {
      mkdirSync(candidate, { recursive: true });
      if (!existsSync(join(candidate, "pids.max"))) {
        // cgroup v2: the pids controller must be enabled for the children of our folder
        writeFileSync(join(candidate, "cgroup.subtree_control"), "+pids");
      }
      const probe = join(candidate, `probe-${process.pid}`);
      mkdirSync(probe);
      const works = existsSync(join(probe, "pids.max"));
      rmdirSync(probe);
      if (works) {
        parentChecked = candidate;
        break;
      }
    } catch {
      // not writable here: try the next layout
    }
  }
  return parentChecked;
}

/** argv prefix that puts the command into the cgroup before exec'ing it. */
export function joinCgroupArgv(cgroup: PidsCgroup, command: string[]): string[] {
  return ["sh", "-c", 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, ...command];
}

/**
 * Remove cgroups left by sealign processes that were killed (their names carry the owner's
 * pid): after SIGKILL the sandboxes die with their parent, but the empty folders stay.
 */
export function sweepStaleCgroups(): void {
  const parent = pidsParent();
  if (!parent) return;
  for (const name of readdirSync(parent)) {
    const match = /^(?:shell|run)-(\d+)-/.exec(name);
    if (!match) continue;
    const owner = Number(match[1]);
    let alive = true;
    try {
      process.kill(owner, 0);
    } catch {
      alive = false;
    }
    if (alive && owner !== process.pid) continue;
    if (owner === process.pid) continue;
    const path = join(parent, name);
    try {
      for (const pid of readFileSync(join(path, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
      }
      rmdirSync(path);
    } catch {
      // still busy or already gone: a later sweep gets it
    }
  }
}
