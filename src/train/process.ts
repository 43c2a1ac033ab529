import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

/** How a child process ended. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines it printed (stdout and stderr together), for error messages. */
  tail: string[];
  timedOut: boolean;
}

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every complete output line (stdout and stderr), e.g. to stream progress. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Append everything the process prints to this file too. */
  logPath?: string;
  /** Kill the whole process group after this many milliseconds. */
  timeoutMs?: number;
  /** Lines kept for `tail`. */
  tailLines?: number;
  /** Aborting ends the whole process group (SIGTERM, then SIGKILL after 5 s). */
  signal?: AbortSignal;
}

/**
 * Run a command to the end, streaming its output line by line. The child gets its own process
 * group so that a time-out or Ctrl-C ends the trainer and every worker it started (accelerate
 * launches subprocesses). Carriage-return progress bars are split into lines too.
 */
export function runProcess(
  command: string,
  args: string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    let log: WriteStream | null = null;
    if (options.logPath) {
      mkdirSync(dirname(options.logPath), { recursive: true });
      log = createWriteStream(options.logPath, { flags: "a" });
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const tail: string[] = [];
    const keep = options.tailLines ?? 40;
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const onParentExit = () => killGroup("SIGTERM");
    const onAbort = () => {
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 5000).unref();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    process.once("exit", onParentExit);
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup("SIGTERM");
            setTimeout(() => killGroup("SIGKILL"), 5000).unref();
          }, options.timeoutMs)
        : null;

    const attach = (stream: NodeJS.ReadableStream, name: "stdout" | "stderr") => {
      let buffer = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        log?.write(chunk);
        buffer += chunk;
        const parts = buffer.split(/\r\n|\n|\r/);
        buffer = parts.pop() ?? "";
        for (const line of parts) emit(line, name);
      });
      stream.on("end", () => {
        if (buffer.length > 0) emit(buffer, name);
        buffer = "";
      });
    };
    const emit = (line: string, name: "stdout" | "stderr") => {
      if (line.length === 0) return;
      tail.push(line);
      if (tail.length > keep) tail.shift();
      options.onLine?.(line, name);
    };
    attach(child.stdout, "stdout");
    attach(child.stderr, "stderr");

    child.on("error", (error) => {
      if (timer) clearTimeout(timer);
      process.removeListener("exit", onParentExit);
      log?.end();
      reject(error);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", onParentExit);
      const done = () => resolvePromise({ code, signal, tail, timedOut });
      if (log) log.end(done);
      else done();
    });
  });
}

/** Run a command and throw with its last output lines unless it exits 0. */
export async function runChecked(
  what: string,
  command: string,
  args: string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  const result = await runProcess(command, args, options);
  if (result.code !== 0) {
    const why = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.code}`;
    throw new Error(`${what} ${why}:\n${result.tail.slice(-15).join("\n")}`);
  }
  return result;
}
