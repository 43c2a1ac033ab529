import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { type SandboxOptions, sandboxArgv, sandboxEnv } from "../sandbox/bwrap.js";
import { joinCgroupArgv, PidsCgroup } from "../sandbox/pids.js";
import { descendants, signalAll } from "../sandbox/proctree.js";
import { MarkerShell, type ShellTransport } from "./marker-shell.js";
import type { PidsLimitMechanism } from "./types.js";

/** Options of a persistent shell: the sandbox, plus a cap on its processes. */
export interface ShellOptions extends SandboxOptions {
  /** Output kept per command: the first and the last this many characters (default 1 MiB). */
  keepChars?: number;
}

// The quoting is the shell protocol's (src/runtime/marker-shell.ts), re-exported for old callers.
export { ansiCQuote } from "../runtime/marker-shell.js";
// The shell's result and the pids mechanism are the runtime interface's (src/runtime/types.ts).
export type { PidsLimitMechanism, ShellResult } from "../runtime/types.js";

/**
 * One bash process per episode, inside the sandbox, that keeps its working directory,
 * environment and functions between commands (as OpenHands' persistent shell does).
 *
 * Protocol: each command goes to the shell's stdin as one line `__sealign_run $'...'`; the
 * function evals it (so `cd` and `export` persist) and prints an end marker carrying a per-shell
 * random nonce and the exit status. The command inherits the shell's stdin, so text written
 * while it runs (`sendInput`) reaches it, as typed input would.
 */
export class PersistentShell extends MarkerShell {
  readonly pidsLimit: PidsLimitMechanism;

  private constructor(keep: number, pidsLimit: PidsLimitMechanism) {
    super(keep);
    this.pidsLimit = pidsLimit;
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
    const shell = new PersistentShell(options.keepChars ?? 1024 * 1024, cgroup ? "cgroup" : "none");
    // a decoder per stream: a multi-byte character split across two chunks stays whole
    const stdout = new StringDecoder("utf8");
    const stderr = new StringDecoder("utf8");
    child.stdout.on("data", (chunk: Buffer) => shell.feed(stdout.write(chunk)));
    child.stderr.on("data", (chunk: Buffer) => shell.feed(stderr.write(chunk)));
    let exited = false;
    const closed = new Promise<void>((resolve) =>
      child.on("close", () => {
        exited = true;
        shell.ended();
        resolve();
      }),
    );
    child.stdin.on("error", () => {
      // the shell died: reported through `ended`
    });
    const transport: ShellTransport = {
      write: (text) => {
        child.stdin.write(text);
      },
      signalCommand: async (signal) => signalCommand(child.pid as number, signal),
      destroy: async () => {
        if (!exited) {
          child.stdin.end();
          signalAll([...descendants(child.pid as number).map((p) => p.pid), child.pid as number], "SIGKILL");
          cgroup?.killAll();
          await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
        }
        await cgroup?.destroy();
      },
    };
    try {
      await shell.attach(transport);
    } catch (error) {
      throw new Error(`sandbox ${(error as Error).message}`);
    }
    return shell;
  }
}

/** The bash process (host pid) under bwrap/prlimit, whose children are the running commands. */
function shellPid(root: number): number | null {
  const tree = descendants(root);
  return tree.find((p) => p.comm === "bash")?.pid ?? null;
}

/** Signal the running command's processes: the bash's descendants (not the bash itself). */
function signalCommand(root: number, signal: NodeJS.Signals): void {
  const shell = shellPid(root);
  if (shell === null) return;
  // a fork bomb keeps making children: repeat SIGKILL until none is left (bounded rounds)
  for (let round = 0; round < (signal === "SIGKILL" ? 50 : 1); round++) {
    const pids = descendants(shell).map((p) => p.pid);
    if (pids.length === 0) break;
    signalAll(pids, signal);
  }
}
