/**
 * The local runtime: environments are host folders run through bubblewrap (src/sandbox/), one
 * sandbox per `exec`, one long-lived sandboxed bash per shell.
 *
 * A task's base is built once on the host (host git on a repository no model touched). Each
 * environment's workspace is a `git clone --shared` of it: its own object store for everything
 * written after the clone, the base's objects reached through alternates, and those objects
 * mounted read-only in every sandbox, so nothing run inside can rewrite the base (issue 11,
 * item 5) while a clone costs only its checkout.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { safeFileName } from "../io/names.js";
import { DEFAULT_LIMITS, DEFAULT_MOUNT_POINT, runSandboxed, type SandboxLimits } from "../sandbox/bwrap.js";
import { pidsParent, sweepStaleCgroups } from "../sandbox/pids.js";
import { git, prepareBase } from "../sandbox/workspace.js";
import type { Task } from "../schema/task.js";
import { PersistentShell } from "./local-shell.js";
import type {
  Environment,
  ExecOptions,
  ExecResult,
  OpenOptions,
  PidsLimitMechanism,
  Runtime,
  Shell,
  TaskBase,
} from "./types.js";

/** How the local runtime isolates and limits what runs in its environments. */
export interface LocalSandboxOptions {
  limits?: SandboxLimits;
  /** Most processes alive at once in one sandbox (default 256). */
  maxProcesses?: number;
  /** Run without isolation (`--unsafe-no-sandbox`): only the rlimits apply. */
  unsafeNoSandbox?: boolean;
}

export interface LocalRuntimeOptions extends LocalSandboxOptions {
  /** Folder under which bases and workspaces are made (default: the OS temp folder). */
  root?: string;
  /** A local clone of a repository task's repository (sealign never fetches one itself). */
  repoPathOf?: (task: Task) => string | undefined;
}

/** A task's base in the local runtime: a git repository on the host whose HEAD is the base. */
export interface LocalTaskBase extends TaskBase {
  /** The base repository's folder on the host. */
  readonly dir: string;
}

/** The isolation label recorded in trajectories and reports. */
export function localIsolation(unsafeNoSandbox: boolean | undefined): string {
  return unsafeNoSandbox ? "none (--unsafe-no-sandbox)" : "bubblewrap";
}

/** Folders a runtime of process PID makes its bases and workspaces in: `local-PID-RANDOM`. */
const RUN_FOLDER = /^local-(\d+)-[0-9a-f]+$/;

export class LocalRuntime implements Runtime {
  readonly name = "local" as const;
  private readonly options: LocalRuntimeOptions;
  private folder: Promise<string> | null = null;

  constructor(options: LocalRuntimeOptions = {}) {
    this.options = options;
  }

  private get root(): string {
    return this.options.root ?? join(tmpdir(), "sealign-workspaces");
  }

  /** This runtime's own folder under `root` (made on first use; the pid lets `sweep` find leftovers). */
  private ownFolder(): Promise<string> {
    this.folder ??= (async () => {
      const dir = join(this.root, `local-${process.pid}-${randomBytes(4).toString("hex")}`);
      await mkdir(dir, { recursive: true });
      return dir;
    })();
    return this.folder;
  }

  async prepare(task: Task): Promise<LocalTaskBase> {
    const base = await prepareBase(task, {
      root: await this.ownFolder(),
      repoPath: this.options.repoPathOf?.(task),
    });
    return { task, ...base };
  }

  async open(base: TaskBase, options: OpenOptions = {}): Promise<LocalEnvironment> {
    const dir = (base as Partial<LocalTaskBase>).dir;
    if (!dir)
      throw new Error(`the local runtime cannot open a base it did not prepare (${base.task.instance_id})`);
    const parent = await this.ownFolder();
    const workspace = await mkdtemp(join(parent, `${safeFileName(options.name ?? base.task.instance_id)}-`));
    await rm(workspace, { recursive: true });
    try {
      // host git on the untouched base: --shared writes an alternates file, no object is shared writable
      await git(parent, ["clone", "-q", "--shared", "--no-checkout", dir, workspace]);
      await git(workspace, ["checkout", "-q", "--detach", base.baseCommit]);
    } catch (error) {
      await rm(workspace, { recursive: true, force: true });
      throw error;
    }
    return new LocalEnvironment({
      dir: workspace,
      baseCommit: base.baseCommit,
      sharedObjects: realpathSync(join(dir, ".git", "objects")),
      ...this.options,
    });
  }

  async release(base: TaskBase): Promise<void> {
    const dir = (base as Partial<LocalTaskBase>).dir;
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  /** Remove the folders and cgroups of local runtimes whose process is gone. */
  async sweep(): Promise<void> {
    sweepStaleCgroups();
    if (!existsSync(this.root)) return;
    for (const name of readdirSync(this.root)) {
      const match = RUN_FOLDER.exec(name);
      if (!match || Number(match[1]) === process.pid || processAlive(Number(match[1]))) continue;
      await rm(join(this.root, name), { recursive: true, force: true });
    }
  }

  /** Remove this runtime's own folder (every base and workspace it made). */
  async close(): Promise<void> {
    const folder = this.folder;
    this.folder = null;
    if (folder) await rm(await folder, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface LocalEnvironmentOptions extends LocalSandboxOptions {
  /** The workspace folder on the host (a git work tree). */
  dir: string;
  baseCommit: string;
  /** The base's object store, reached through alternates: mounted read-only inside. */
  sharedObjects?: string;
  /** Remove `dir` on close (default true). */
  removeOnClose?: boolean;
}

/**
 * One local environment: a workspace folder, every command in its own bubblewrap sandbox over
 * it (the workspace at /workspace, the base's objects read-only, nothing else of the host
 * writable). `new LocalEnvironment({ dir, baseCommit })` wraps an existing folder (tests).
 */
export class LocalEnvironment implements Environment {
  readonly workdir: string;
  readonly isolation: string;
  readonly pidsLimit: PidsLimitMechanism;
  readonly baseCommit: string;
  /** The workspace on the host (never handed to anything that follows its contents). */
  readonly hostDir: string;
  private readonly options: LocalEnvironmentOptions;
  private readonly shells = new Set<Shell>();
  private closed = false;

  constructor(options: LocalEnvironmentOptions) {
    this.options = options;
    this.hostDir = realpathSync(options.dir);
    this.baseCommit = options.baseCommit;
    this.workdir = options.unsafeNoSandbox ? this.hostDir : DEFAULT_MOUNT_POINT;
    this.isolation = localIsolation(options.unsafeNoSandbox);
    this.pidsLimit = pidsParent() ? "cgroup" : "none";
  }

  private sandbox() {
    return {
      workspace: this.hostDir,
      limits: this.options.limits,
      maxProcesses: this.options.maxProcesses,
      unsafeNoSandbox: this.options.unsafeNoSandbox,
      readOnlyPaths: this.options.sharedObjects ? [this.options.sharedObjects] : [],
    };
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    if (this.closed) throw new Error("the environment is closed");
    const result = await runSandboxed(command, {
      ...this.sandbox(),
      env: options.env,
      chdir: options.cwd,
      timeoutMs: options.timeoutMs,
      stdin: options.stdin,
      maxOutputBytes: options.maxOutputBytes,
    });
    return result;
  }

  async startShell(): Promise<Shell> {
    if (this.closed) throw new Error("the environment is closed");
    const shell = await PersistentShell.start(this.sandbox());
    this.shells.add(shell);
    return shell;
  }

  /**
   * The workspace's bytes on disk (`du -s -x -P` on the host: it only lists and lstat()s, follows
   * no symlink and crosses no mount) against `limits.workspaceMiB`.
   */
  workspaceUsage(): Promise<{ bytes: number; limitBytes: number }> {
    const limitBytes = (this.options.limits?.workspaceMiB ?? DEFAULT_LIMITS.workspaceMiB) * 1024 * 1024;
    return new Promise((resolve, reject) => {
      execFile("du", ["-s", "-x", "-P", "-B1", "--", this.hostDir], { timeout: 30_000 }, (error, stdout) => {
        // du exits 1 when a file vanished while it counted: its total still stands
        const bytes = Number.parseInt(stdout, 10);
        if (Number.isFinite(bytes)) resolve({ bytes, limitBytes });
        else reject(error ?? new Error(`du gave no size: ${stdout}`));
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const shell of this.shells) await shell.close();
    this.shells.clear();
    if (this.options.removeOnClose ?? true) await rm(this.hostDir, { recursive: true, force: true });
  }
}
