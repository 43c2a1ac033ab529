/**
 * The persistent-shell protocol over any byte transport: one bash reading commands from its
 * stdin, each sent as one line `__sealign_run $'...'` that evals it (so `cd` and `export`
 * persist) and prints an end marker carrying a per-shell nonce and the exit status. Output is
 * kept head + tail (the middle dropped when too long); a command that prints nothing new for the
 * soft time-out is reported still running, one past the hard limit is killed.
 *
 * The same protocol and results as the local PersistentShell (src/runtime/local-shell.ts); what
 * differs per backend is only how bytes travel and how the running command is signalled, which
 * a `ShellTransport` supplies (the docker backend's is one `docker exec -i bash`).
 */
import { randomBytes } from "node:crypto";
import type { Shell, ShellLimits, ShellResult } from "./types.js";

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

/** How a MarkerShell reaches its bash. */
export interface ShellTransport {
  /** Write text to the shell's stdin. */
  write(text: string): void;
  /** Send `signal` to the processes of the running command (never the shell itself). */
  signalCommand(signal: "SIGINT" | "SIGKILL"): Promise<void>;
  /** Stop the shell and everything it started, and free what it held (also after it exited). */
  destroy(): Promise<void>;
}

/** The line that sets the protocol up in a fresh bash; it prints `__SEALIGN_PID_<pid>` then the marker. */
export function shellInitLine(marker: string): string {
  return (
    "exec 2>&1; export PS1= PS2=; " +
    `__sealign_run() { eval "$1"; printf '\\n${marker}%s__\\n' "$?"; }; ` +
    `printf '__SEALIGN_PID_%s\\n${marker}0__\\n' "$$"\n`
  );
}

export class MarkerShell implements Shell {
  private readonly marker: string;
  private readonly keep: number;
  private transport: ShellTransport | null = null;
  private head = "";
  private tail = "";
  private dropped = 0;
  private exited = false;
  private closing = false;
  private waiter: (() => void) | null = null;
  private lastOutputAt = Date.now();
  private commandStartedAt: number | null = null;

  /** `keepChars`: output kept per command, the first and the last this many characters. */
  constructor(keepChars = 1024 * 1024) {
    this.marker = `__SEALIGN_DONE_${randomBytes(8).toString("hex")}_`;
    this.keep = keepChars;
  }

  /** Text that arrived from the shell (stdout and stderr). */
  feed(text: string): void {
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

  /** The shell process has ended. */
  ended(): void {
    this.exited = true;
    this.wake();
  }

  /**
   * Set the protocol up over `transport` (whose output already goes to `feed`) and wait for the
   * shell to answer; returns the shell's pid as it printed it (its own pid namespace's).
   */
  async attach(transport: ShellTransport, readyTimeoutMs = 30_000): Promise<number> {
    this.transport = transport;
    this.commandStartedAt = Date.now();
    transport.write(shellInitLine(this.marker));
    const ready = await this.waitFor(readyTimeoutMs, readyTimeoutMs);
    const pid = /__SEALIGN_PID_(\d+)/.exec(ready.output);
    if (ready.exitCode !== 0 || !pid) {
      await this.close();
      throw new Error(`shell did not start: ${ready.output.trim() || "no output"}`);
    }
    return Number(pid[1]);
  }

  get runningForMs(): number {
    return this.commandStartedAt === null ? 0 : Date.now() - this.commandStartedAt;
  }

  get busy(): boolean {
    return this.commandStartedAt !== null;
  }

  get closed(): boolean {
    return this.exited || this.closing;
  }

  async run(command: string, limits: ShellLimits): Promise<ShellResult> {
    if (this.busy) throw new Error("a command is still running");
    if (this.closed || !this.transport) throw new Error("the shell has exited");
    this.resetOutput();
    this.commandStartedAt = Date.now();
    this.lastOutputAt = Date.now();
    this.transport.write(`__sealign_run ${ansiCQuote(command)}\n`);
    return this.waitFor(limits.softTimeoutMs, limits.hardTimeoutMs);
  }

  async wait(limits: ShellLimits): Promise<ShellResult> {
    this.lastOutputAt = Date.now();
    return this.waitFor(limits.softTimeoutMs, limits.hardTimeoutMs);
  }

  async sendInput(text: string, limits: ShellLimits): Promise<ShellResult> {
    this.transport?.write(`${text}\n`);
    return this.wait(limits);
  }

  async interrupt(graceMs = 2000): Promise<ShellResult> {
    await this.transport?.signalCommand("SIGINT");
    this.lastOutputAt = Date.now();
    // still running after the grace period: waitFor kills it (and the shell if need be)
    return this.waitFor(graceMs, Date.now() - (this.commandStartedAt ?? Date.now()) + graceMs);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.transport?.destroy();
    this.exited = true;
  }

  private resetOutput(): void {
    this.head = "";
    this.tail = "";
    this.dropped = 0;
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
        await this.transport?.signalCommand("SIGKILL");
        // a loop of builtins runs in the shell itself: if no marker comes soon, the shell goes too
        softTimeoutMs = Date.now() - this.lastOutputAt + 2000;
        hardTimeoutMs = Number.POSITIVE_INFINITY;
        continue;
      }
      if (now - this.lastOutputAt >= softTimeoutMs) {
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
