/**
 * The runtime interface: where an episode's or a validation's commands run, and the only way
 * sealign touches a workspace that a model or a patch has changed.
 *
 * Two backends implement it: `local` (bubblewrap over a host folder, src/runtime/local.ts) and
 * `docker` (one container per environment from the task's instance image, src/runtime/docker.ts).
 * The rule both keep (docs/security.md): once a model or a patch has touched a workspace, every
 * operation on it (git, patch application, writing test files, the editor's reads and writes)
 * runs *inside* the environment through `exec`/`startShell`, never on the host, so nothing the
 * workspace controls (symlinks, git config, hooks, attributes, filters) is followed or executed
 * outside the isolation.
 */
import type { Task } from "../schema/task.js";

/** What one `exec` call returns. */
export interface ExecResult {
  /** stdout and stderr interleaved, as a terminal shows them (cut at `maxOutputBytes`). */
  output: string;
  /** stdout alone (cut at `maxOutputBytes`): for commands whose output is data (a diff, a file). */
  stdout: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** True when the kernel killed the command for exceeding the environment's memory limit. */
  oomKilled?: boolean;
}

export interface ExecOptions {
  /** Wall-clock limit; on time-out everything the command started is killed. */
  timeoutMs: number;
  /** Bytes written to the command's stdin, then closed (default: no stdin). */
  stdin?: string | Buffer;
  /** Extra environment variables for this command. */
  env?: Record<string, string>;
  /** Working directory inside the environment (default `workdir`). */
  cwd?: string;
  /** Most output kept (default 16 MiB). */
  maxOutputBytes?: number;
}

/** Limits of a persistent shell's command (see tools/bash.ts for their meaning). */
export interface ShellLimits {
  softTimeoutMs: number;
  hardTimeoutMs: number;
}

/** What one shell `run`/`wait` call saw. */
export interface ShellResult {
  /** Output since the command started (or since the last partial result), stdout+stderr. */
  output: string;
  /** Characters dropped from the middle of `output` because it was too long. */
  droppedChars: number;
  /** The command's exit status, or null while it is still running (or when it was killed). */
  exitCode: number | null;
  /** True when the command is still running (soft time-out reached). */
  running: boolean;
  /** True when the hard limit was reached and the command was killed. */
  killed: boolean;
  /** True when the shell itself exited (e.g. the command ran `exit`); a new one is needed. */
  shellExited: boolean;
}

/**
 * One persistent bash inside an environment (execute_bash): working directory, environment
 * variables and functions persist between commands. Commands are delimited by an end marker
 * carrying a per-shell nonce and the exit status.
 */
export interface Shell {
  run(command: string, limits: ShellLimits): Promise<ShellResult>;
  /** Keep waiting on the running command. */
  wait(limits: ShellLimits): Promise<ShellResult>;
  /** Type a line into the running command's stdin. */
  sendInput(text: string, limits: ShellLimits): Promise<ShellResult>;
  /** Ctrl-C, then SIGKILL after `graceMs`. */
  interrupt(graceMs?: number): Promise<ShellResult>;
  readonly busy: boolean;
  readonly closed: boolean;
  readonly runningForMs: number;
  close(): Promise<void>;
}

/** How the process limit is enforced, for provenance. */
export type PidsLimitMechanism = "cgroup" | "container" | "none";

/**
 * One isolated place over one workspace: an episode's, or one validation's. Made by a
 * `Runtime` from a prepared base; `close` removes it and everything that ran in it.
 */
export interface Environment {
  /** The workspace (a git work tree at the task's base) as commands inside see it. */
  readonly workdir: string;
  /** What isolates it, for provenance: "bubblewrap", "docker", "none (--unsafe-no-sandbox)". */
  readonly isolation: string;
  readonly pidsLimit: PidsLimitMechanism;
  /** The commit patches are taken against. */
  readonly baseCommit: string;
  /** Run one bash command (`bash -c`) inside, to its end or its time-out. */
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /** Start a persistent shell inside (its cwd is `workdir`). */
  startShell(): Promise<Shell>;
  /**
   * The workspace's size on disk against its limit, where the backend keeps one (the local
   * runtime: `du` of the folder, checked by the bash tool after each command). Optional.
   */
  workspaceUsage?(): Promise<{ bytes: number; limitBytes: number }>;
  /** Stop everything inside and remove the environment. Safe to call twice. */
  close(): Promise<void>;
}

/** Everything an environment of one task is made from, prepared once per task. */
export interface TaskBase {
  readonly task: Task;
  /** The commit patches are taken against. */
  readonly baseCommit: string;
}

export interface OpenOptions {
  /** A name for the environment's folder or container (sanitised by the runtime). */
  name?: string;
}

/**
 * A backend: prepares a task's base once (a pristine base workspace on the host, or the
 * instance image), then opens fresh, independent environments from it. An environment never
 * shares writable state with the base or with another environment.
 */
export interface Runtime {
  readonly name: "local" | "docker";
  prepare(task: Task): Promise<TaskBase>;
  open(base: TaskBase, options?: OpenOptions): Promise<Environment>;
  /** Drop a prepared base (its folder; an image is kept). */
  release(base: TaskBase): Promise<void>;
  /** Remove what an earlier, killed process of this runtime left behind. */
  sweep(): Promise<void>;
}
