import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { PidsLimitMechanism, Shell, ShellResult } from "../runtime/types.js";
import { type SandboxOptions, sandboxArgv, sandboxEnv } from "./bwrap.js";
import { joinCgroupArgv, PidsCgroup } from "./pids.js";
import { descendants, signalAll } from "./proctree.js";

/** Options of a persistent shell: the sandbox, plus a cap on its processes. */
export interface ShellOptions extends SandboxOptions {
  /** Output kept per command: the first and the last this many characters (default 1 MiB). */
  keepChars?: number;
}

// The shell's result and the pids mechanism are the runtime interface's (src/runtime/types.ts).
export type { PidsLimitMechanism, ShellResult } from "../runtime/types.js";

/** Turn any text into a bash ANSI-C quoted word ($'...') on one line, so it can be sent as one line. */
export function ansiCQuote(text: string): string {
  let out = "$'";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === "\n") out += "\\n";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}'`;
}

/**
 * One bash process per episode, inside the sandbox, that keeps its working directory,
 * environment and functions between commands (as OpenHands' persistent shell does).
 *
 * Protocol: each command goes to the shell's stdin as one line `__sealign_run $'...'`; the
 * function evals it (so `cd` and `export` persist) and prints an end marker carrying a per-shell
 * random nonce and the exit status. The command inherits the shell's stdin, so text written
 * while it runs (`sendInput`) reaches it, as typed input would.
 */
export class PersistentShell implements Shell {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly cgroup: PidsCgroup | null;
  private readonly marker: string;
  private readonly keep: number;
  private head = "";
  private tail = "";
  private dropped = 0;
  private exited = false;
  private closing = false;
  private waiter: (() => void) | null = null;
  private lastOutputAt = Date.now();
  /** When the running command started; null when idle. */
  private commandStartedAt: number | null = null;
  readonly pidsLimit: PidsLimitMechanism;

  private constructor(
    child: ChildProcessWithoutNullStreams,
    cgroup: PidsCgroup | null,
    nonce: string,
    keep: number,
  ) {
    this.child = child;
    this.cgroup = cgroup;
    this.marker = `__SEALIGN_DONE_${nonce}_`;
    this.keep = keep;
    this.pidsLimit = cgroup ? "cgroup" : "none";
    // a decoder per stream: a multi-byte character split across two chunks stays whole
    const stdout = new StringDecoder("utf8");
    const stderr = new StringDecoder("utf8");
    child.stdout.on("data", (chunk: Buffer) => this.onOutput(stdout.write(chunk)));
    child.stderr.on("data", (chunk: Buffer) => this.onOutput(stderr.write(chunk)));
    child.on("close", () => {
      this.exited = true;
      this.wake();
    });
    child.stdin.on("error", () => {
      // the shell died: reported through `exited`
    });
  }

  /** Start a shell in a sandbox over `options.workspace`; resolves once it is ready. */
  static async start(options: ShellOptions): Promise<PersistentShell> {
    const nonce = randomBytes(8).toString("hex");
    const cgroup = PidsCgroup.create(`shell-${process.pid}-${nonce}`, options.maxProcesses ?? 256);
    let argv = sandboxArgv(["bash", "--noprofile", "--norc"], options);
    if (cgroup) argv = joinCgroupArgv(cgroup, argv);
    const workspace = realpathSync(options.workspace);
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: workspace,
      env: options.unsafeNoSandbox ? sandboxEnv(workspace, options.env) : { PATH: process.env.PATH ?? "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const shell = new PersistentShell(child, cgroup, nonce, options.keepChars ?? 1024 * 1024);
    const init =
      "exec 2>&1; export PS1= PS2=; " +
      `__sealign_run() { eval "$1"; printf '\\n${shell.marker}%s__\\n' "$?"; }; ` +
      `printf '${shell.marker}0__\\n'\n`;
    child.stdin.write(init);
    shell.commandStartedAt = Date.now();
    const ready = await shell.waitFor(30_000, 30_000);
    if (ready.exitCode !== 0) {
      await shell.close();
      throw new Error(`sandbox shell did not start: ${ready.output.trim() || "no output"}`);
    }
    return shell;
  }

  /** How long the running command has run (0 when idle). */
  get runningForMs(): number {
    return this.commandStartedAt === null ? 0 : Date.now() - this.commandStartedAt;
  }

  /** True while a command is running. */
  get busy(): boolean {
    return this.commandStartedAt !== null;
  }

  /** True once the shell process has exited. */
  get closed(): boolean {
    return this.exited || this.closing;
  }

  /**
   * Run a command. Returns when it ends, when it has printed nothing new for `softTimeoutMs`
   * (still running: call `wait`, `sendInput` or `interrupt`), or when `hardTimeoutMs` since it
   * started has passed (then it is killed).
   */
  async run(command: string, limits: { softTimeoutMs: number; hardTimeoutMs: number }): Promise<ShellResult> {
    if (this.busy) throw new Error("a command is still running");
    if (this.closed) throw new Error("the shell has exited");
    this.resetOutput();
    this.commandStartedAt = Date.now();
    this.lastOutputAt = Date.now();
    this.child.stdin.write(`__sealign_run ${ansiCQuote(command)}\n`);
    return this.waitFor(limits.softTimeoutMs, limits.hardTimeoutMs);
  }

  /** Keep waiting on the running command (its output since the last result). */
  async wait(limits: { softTimeoutMs: number; hardTimeoutMs: number }): Promise<ShellResult> {
    this.lastOutputAt = Date.now();
    return this.waitFor(limits.softTimeoutMs, limits.hardTimeoutMs);
  }

  /** Type text into the running command's stdin (a newline is added). */
  async sendInput(
    text: string,
    limits: { softTimeoutMs: number; hardTimeoutMs: number },
  ): Promise<ShellResult> {
    this.child.stdin.write(`${text}\n`);
    return this.wait(limits);
  }

  /** Ctrl-C: SIGINT to the running command's processes; SIGKILL if they ignore it for `graceMs`. */
  async interrupt(graceMs = 2000): Promise<ShellResult> {
    this.signalCommand("SIGINT");
    this.lastOutputAt = Date.now();
    // still running after the grace period: waitFor kills it (and the shell if need be)
    return this.waitFor(graceMs, Date.now() - (this.commandStartedAt ?? Date.now()) + graceMs);
  }

  /** Stop the shell and everything it started; removes its cgroup. Safe to call twice. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.exited) {
      const closed = new Promise<void>((resolve) => this.child.once("close", () => resolve()));
      this.child.stdin.end();
      signalAll(
        [...descendants(this.child.pid as number).map((p) => p.pid), this.child.pid as number],
        "SIGKILL",
      );
      this.cgroup?.killAll();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.cgroup?.destroy();
  }

  /** The bash process (host pid) under bwrap/prlimit, whose children are the running commands. */
  private shellPid(): number | null {
    const tree = descendants(this.child.pid as number);
    const bash = [this.child.pid as number, ...tree.map((p) => p.pid)].find((pid) => {
      const entry = tree.find((p) => p.pid === pid);
      return pid === this.child.pid ? false : entry?.comm === "bash";
    });
    return bash ?? null;
  }

  private signalCommand(signal: NodeJS.Signals): void {
    const shell = this.shellPid();
    if (shell === null) return;
    // a fork bomb keeps making children: repeat SIGKILL until none is left (bounded rounds)
    for (let round = 0; round < (signal === "SIGKILL" ? 50 : 1); round++) {
      const pids = descendants(shell).map((p) => p.pid);
      if (pids.length === 0) break;
      signalAll(pids, signal);
    }
  }

  private resetOutput(): void {
    this.head = "";
    this.tail = "";
    this.dropped = 0;
  }

  private onOutput(text: string): void {
    this.lastOutputAt = Date.now();
    if (this.head.length < this.keep) {
      const room = this.keep - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (text) {
      this.tail += text;
      if (this.tail.length > this.keep) {
        this.dropped += this.tail.length - this.keep;
        this.tail = this.tail.slice(this.tail.length - this.keep);
      }
    }
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** The end marker in the output so far: exit status and where it starts (in head + tail). */
  private findMarker(): { exitCode: number; index: number } | null {
    // the marker may straddle the head/tail boundary: search the end of head with the tail
    const overlap = this.tail ? Math.min(this.head.length, this.marker.length + 32) : this.head.length;
    const text = this.head.slice(this.head.length - overlap) + this.tail;
    const at = text.lastIndexOf(this.marker);
    if (at === -1) return null;
    const match = /^(\d+)__\n/.exec(text.slice(at + this.marker.length));
    if (!match) return null;
    return { exitCode: Number(match[1]), index: this.head.length - overlap + at };
  }

  private takeOutput(cut?: number): { output: string; droppedChars: number } {
    const all = this.head + this.tail;
    const output = cut === undefined ? all : all.slice(0, cut);
    const droppedChars = this.dropped;
    this.resetOutput();
    return { output, droppedChars };
  }

  private async waitFor(softTimeoutMs: number, hardTimeoutMs: number): Promise<ShellResult> {
    const startedAt = this.commandStartedAt ?? Date.now();
    let killed = false;
    for (;;) {
      const marker = this.findMarker();
      if (marker) {
        // the function prints "\n" before the marker: drop it
        let { output, droppedChars } = this.takeOutput(marker.index);
        if (output.endsWith("\n")) output = output.slice(0, -1);
        this.commandStartedAt = null;
        return {
          output,
          droppedChars,
          exitCode: killed ? null : marker.exitCode,
          running: false,
          killed,
          shellExited: false,
        };
      }
      if (this.exited) {
        this.commandStartedAt = null;
        return { ...this.takeOutput(), exitCode: null, running: false, killed, shellExited: true };
      }
      const now = Date.now();
      if (!killed && now - startedAt >= hardTimeoutMs) {
        // hard limit: kill the command's processes; the shell then prints its marker
        killed = true;
        this.signalCommand("SIGKILL");
        // a loop of builtins runs in the shell itself: if no marker comes soon, the shell goes too
        softTimeoutMs = now - this.lastOutputAt + 2000;
        hardTimeoutMs = Number.POSITIVE_INFINITY;
      } else if (now - this.lastOutputAt >= softTimeoutMs) {
        if (killed) {
          // the shell itself does not answer: give up on it
          await this.close();
          this.commandStartedAt = null;
          return { ...this.takeOutput(), exitCode: null, running: false, killed, shellExited: true };
        }
        return { ...this.takeOutput(), exitCode: null, running: true, killed: false, shellExited: false };
      }
      const deadline = Math.min(
        this.lastOutputAt + softTimeoutMs,
        killed ? Number.POSITIVE_INFINITY : startedAt + hardTimeoutMs,
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            this.waiter = null;
            resolve();
          },
          Math.max(1, deadline - Date.now()),
        );
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
