import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, sep } from "node:path";
import { InputError } from "../errors.js";
import { joinCgroupArgv, PidsCgroup } from "./pids.js";

/** Resource limits applied to everything run in a sandbox. */
export interface SandboxLimits {
  /** Address-space limit in MiB (RLIMIT_AS). */
  memoryMiB?: number;
  /** CPU-seconds limit (RLIMIT_CPU). */
  cpuSeconds?: number;
  /** Largest file a process may write, in MiB (RLIMIT_FSIZE). */
  fileMiB?: number;
  /** Open files (RLIMIT_NOFILE). */
  openFiles?: number;
  /** Size of the sandbox's own /tmp (and hidden home) tmpfs, in MiB. */
  tmpMiB?: number;
  /** Most the workspace may take on disk, in MiB: past it each command's observation says so. */
  workspaceMiB?: number;
}

export const DEFAULT_LIMITS: Required<SandboxLimits> = {
  memoryMiB: 4096,
  cpuSeconds: 600,
  fileMiB: 1024,
  openFiles: 1024,
  tmpMiB: 512,
  workspaceMiB: 4096,
};

/**
 * Host files that stay unreadable inside the sandbox although /etc is visible: password
 * hashes and private keys, each covered by /dev/null (folders by an empty tmpfs).
 */
export const HIDDEN_FILES = [
  "/etc/shadow",
  "/etc/shadow-",
  "/etc/gshadow",
  "/etc/gshadow-",
  "/etc/security/opasswd",
  "/etc/sudoers",
];
const HIDDEN_DIRS = ["/etc/ssl/private", "/etc/sudoers.d"];

/** The hiding mounts for what exists on this host (ssh host keys included). */
function hiddenMounts(): string[] {
  const args: string[] = [];
  const files = [...HIDDEN_FILES];
  if (existsSync("/etc/ssh"))
    for (const name of readdirSync("/etc/ssh"))
      if (/^ssh_host_.*_key$/.test(name)) files.push(`/etc/ssh/${name}`);
  for (const file of files) if (existsSync(file)) args.push("--ro-bind", "/dev/null", file);
  for (const dir of HIDDEN_DIRS) if (existsSync(dir)) args.push("--tmpfs", dir);
  return args;
}

export interface SandboxOptions {
  /** The only writable folder; also the working directory. */
  workspace: string;
  /**
   * Where the workspace appears inside the sandbox (default /workspace), so that paths in
   * commands and observations do not depend on the host's temp folder.
   */
  mountPoint?: string;
  limits?: SandboxLimits;
  /**
   * Run without isolation. Only when the user asked for it (`--unsafe-no-sandbox`): without
   * bubblewrap, sealign refuses to run agent commands otherwise.
   */
  unsafeNoSandbox?: boolean;
  /** Extra host folders to make visible read-only inside the sandbox. */
  readOnlyPaths?: string[];
  /** Extra environment variables inside the sandbox. */
  env?: Record<string, string>;
  /**
   * Most processes alive at once in the sandbox (default 256), through a pids cgroup where the
   * machine offers one (see pids.ts): contains fork bombs even as root.
   */
  maxProcesses?: number;
  /**
   * Working directory inside the sandbox (default: the workspace's mount point; with
   * `unsafeNoSandbox`, a host path).
   */
  chdir?: string;
}

/** Where the workspace is mounted inside the sandbox unless told otherwise. */
export const DEFAULT_MOUNT_POINT = "/workspace";

/**
 * The only top-level host folders visible (read-only) inside the sandbox: the system's programs,
 * libraries and configuration. Everything else (home folders, /work, /mnt, other users' data,
 * the task's hidden tests wherever they lie) is absent. Add more with `readOnlyPaths`.
 */
const VISIBLE_TOP_LEVEL = new Set([
  "bin",
  "sbin",
  "lib",
  "lib32",
  "lib64",
  "libx32",
  "usr",
  "etc",
  "opt",
  "var",
  "srv",
]);

let bwrapChecked: boolean | null = null;

/**
 * The host's top-level folders bound read-only one by one (symlinks such as /bin -> usr/bin
 * recreated), on bubblewrap's empty root: unlike binding "/" whole, this leaves the root
 * writable for the sandbox's own mount points such as /workspace.
 */
function hostRootMounts(mountPoint: string): string[] {
  const top = mountPoint.split("/")[1];
  const args: string[] = [];
  for (const name of readdirSync("/")) {
    if (!VISIBLE_TOP_LEVEL.has(name) || name === top) continue;
    const path = `/${name}`;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
    else if (stat.isDirectory()) args.push("--ro-bind", path, path);
  }
  return args;
}

/** True when bubblewrap is installed and can create the namespaces it needs here. */
export function bwrapAvailable(): boolean {
  if (bwrapChecked === null) {
    const probe = spawnSync("bwrap", ["--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "true"], {
      stdio: "ignore",
      timeout: 10_000,
    });
    bwrapChecked = probe.status === 0;
  }
  return bwrapChecked;
}

/**
 * Folders under the home folder that hold interpreters on PATH (pyenv, nvm, cargo...): they are
 * mounted back read-only over the hidden home so that tasks can still run `python3` or `node`.
 */
function homeToolDirs(): string[] {
  const homes = [homedir(), "/root"].filter((h, i, all) => all.indexOf(h) === i && existsSync(h));
  const dirs = new Set<string>();
  for (const entry of (process.env.PATH ?? "").split(delimiter)) {
    for (const home of homes) {
      if (entry.startsWith(home + sep)) {
        const top = entry.slice(home.length + 1).split(sep)[0];
        if (top) dirs.add(`${home}${sep}${top}`);
      }
    }
  }
  return [...dirs].filter((d) => existsSync(d));
}

/** The environment a sandboxed command starts with: minimal, no host secrets. */
export function sandboxEnv(workspace: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: "/tmp",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TERM: "dumb",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    PIP_NO_INPUT: "1",
    GIT_PAGER: "cat",
    PAGER: "cat",
    PWD: workspace,
    ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
    ...(process.env.PYENV_VERSION ? { PYENV_VERSION: process.env.PYENV_VERSION } : {}),
    ...extra,
  };
}

function prlimitArgs(limits: Required<SandboxLimits>): string[] {
  return [
    "prlimit",
    `--as=${limits.memoryMiB * 1024 * 1024}`,
    `--cpu=${limits.cpuSeconds}`,
    `--fsize=${limits.fileMiB * 1024 * 1024}`,
    `--nofile=${limits.openFiles}`,
    "--",
  ];
}

/**
 * The argv that runs `command` isolated: bubblewrap with every namespace unshared (no network),
 * the host read-only, home and /tmp hidden behind empty tmpfs, only the workspace writable, and
 * rlimits applied inside. With `unsafeNoSandbox`, just the rlimits.
 */
export function sandboxArgv(command: string[], options: SandboxOptions): string[] {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const workspace = realpathSync(options.workspace);
  if (options.unsafeNoSandbox) return [...prlimitArgs(limits), ...command];
  if (!bwrapAvailable()) {
    throw new InputError(
      "bubblewrap (bwrap) is not installed or cannot create namespaces here; install the Debian package " +
        "'bubblewrap', or pass --unsafe-no-sandbox to run agent commands unisolated on this machine",
    );
  }
  const mountPoint = options.mountPoint ?? DEFAULT_MOUNT_POINT;
  const argv = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session"];
  argv.push(...hostRootMounts(mountPoint));
  const tmpBytes = String(limits.tmpMiB * 1024 * 1024);
  argv.push("--dev", "/dev", "--proc", "/proc", "--size", tmpBytes, "--tmpfs", "/tmp");
  for (const home of ["/root", "/home"]) if (existsSync(home)) argv.push("--size", tmpBytes, "--tmpfs", home);
  argv.push(...hiddenMounts());
  for (const dir of [...homeToolDirs(), ...(options.readOnlyPaths ?? [])]) argv.push("--ro-bind", dir, dir);
  argv.push("--bind", workspace, mountPoint, "--chdir", options.chdir ?? mountPoint);
  argv.push("--clearenv");
  for (const [key, value] of Object.entries(sandboxEnv(mountPoint, options.env)))
    argv.push("--setenv", key, value);
  return [...argv, "--", ...prlimitArgs(limits), ...command];
}

export interface RunResult {
  /** stdout and stderr interleaved, as a terminal would show them. */
  output: string;
  /** stdout alone: for commands whose output is data (a diff, a file's content). */
  stdout: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
}

/**
 * Run one shell command in a sandbox with a wall-clock limit. On time-out the whole process
 * group is killed (the sandbox's pid namespace dies with it) and `timedOut` is set.
 */
export function runSandboxed(
  shellCommand: string,
  options: SandboxOptions & { timeoutMs: number; maxOutputBytes?: number; stdin?: string | Buffer },
): Promise<RunResult> {
  const inner = sandboxArgv(["bash", "-c", shellCommand], options);
  const cgroup = PidsCgroup.create(
    `run-${process.pid}-${randomBytes(6).toString("hex")}`,
    options.maxProcesses ?? 256,
  );
  const argv = cgroup ? joinCgroupArgv(cgroup, inner) : inner;
  const started = Date.now();
  const maxOutput = options.maxOutputBytes ?? 16 * 1024 * 1024;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.unsafeNoSandbox ? (options.chdir ?? options.workspace) : options.workspace,
      env: options.unsafeNoSandbox
        ? sandboxEnv(options.workspace, options.env)
        : { PATH: process.env.PATH ?? "" },
      stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: true,
    });
    if (options.stdin !== undefined && child.stdin) {
      // a command that exits without reading its input closes the pipe: not an error
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.stdin);
    }
    const chunks: Buffer[] = [];
    const outChunks: Buffer[] = [];
    let size = 0;
    let outSize = 0;
    const onData = (chunk: Buffer) => {
      if (size < maxOutput) chunks.push(chunk.subarray(0, maxOutput - size));
      size += chunk.length;
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      if (outSize < maxOutput) outChunks.push(chunk.subarray(0, maxOutput - outSize));
      outSize += chunk.length;
      onData(chunk);
    });
    child.stderr?.on("data", onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      // processes that left the process group (setsid) are still in the cgroup
      cgroup?.killAll();
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      void cgroup?.destroy();
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        output: Buffer.concat(chunks).toString("utf8"),
        stdout: Buffer.concat(outChunks).toString("utf8"),
        exitCode: code,
        signal,
        timedOut,
        durationMs: Date.now() - started,
      };
      // background processes the command left behind go with the sandbox
      if (cgroup) void cgroup.destroy().then(() => resolvePromise(result));
      else resolvePromise(result);
    });
  });
}
