import type { Environment, PidsLimitMechanism, Shell, ShellResult } from "../runtime/types.js";
import type { ToolObservation } from "./observation.js";
import { truncateMiddle } from "./truncate.js";

/** Limits of the execute_bash tool. */
export interface BashToolLimits {
  /** Return the output so far when a command prints nothing new for this long (default 10 s, as OpenHands). */
  softTimeoutMs: number;
  /** Kill a command that has run this long in all (default 300 s). */
  hardTimeoutMs: number;
  /** Longest observation sent to the model; longer ones lose their middle (default 30,000, as OpenHands). */
  maxOutputChars: number;
}

export const DEFAULT_BASH_LIMITS: BashToolLimits = {
  softTimeoutMs: 10_000,
  hardTimeoutMs: 300_000,
  maxOutputChars: 30_000,
};

const CTRL_KEYS = new Set(["C-c", "C-d", "C-z"]);

/**
 * execute_bash: one persistent shell per episode, inside its environment. A command that stops printing for
 * the soft time-out comes back with its output so far and keeps running; the model can then
 * wait (empty command), type input (is_input), or interrupt (C-c). A new shell is started if
 * the old one exits or has to be killed (working directory and environment are then lost, and
 * the observation says so).
 */
export class BashTool {
  private shell: Shell | null = null;
  private readonly env: Environment;
  readonly limits: BashToolLimits;
  /** Milliseconds spent waiting on commands (for the overhead figures). */
  commandMs = 0;

  constructor(env: Environment, limits: Partial<BashToolLimits> = {}) {
    this.env = env;
    this.limits = { ...DEFAULT_BASH_LIMITS, ...limits };
  }

  /** Start the shell (done lazily otherwise); throws when the sandbox cannot start. */
  async start(): Promise<Shell> {
    if (!this.shell || this.shell.closed) {
      this.shell = await this.env.startShell();
      this.pidsLimit = this.env.pidsLimit;
    }
    return this.shell;
  }

  /** How the process limit is enforced (known once the shell has started). */
  pidsLimit: PidsLimitMechanism | null = null;

  /**
   * Run one execute_bash call. `deadline` (epoch ms) is the episode's wall-clock end: no command
   * may outlive it, whatever the per-command limit.
   */
  async execute(args: Record<string, unknown>, deadline?: number): Promise<ToolObservation> {
    const command = String(args.command ?? "");
    const isInput = args.is_input === "true" || args.is_input === true;
    const timeoutS = typeof args.timeout === "number" && args.timeout > 0 ? args.timeout : null;
    const elapsed = this.shell?.busy ? this.shell.runningForMs : 0;
    const remaining = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
    const hardTimeoutMs = Math.max(1, Math.min(this.limits.hardTimeoutMs, elapsed + remaining));
    const limits = {
      softTimeoutMs: Math.min(timeoutS !== null ? timeoutS * 1000 : this.limits.softTimeoutMs, hardTimeoutMs),
      hardTimeoutMs,
    };
    const started = Date.now();
    try {
      const restarted = !this.shell || this.shell.closed;
      const shell = await this.start();
      const note =
        restarted && this.everStarted ? "[A new shell was started: the previous one had exited.]\n" : "";
      this.everStarted = true;
      let result: ShellResult;
      if (shell.busy) {
        if (isInput && CTRL_KEYS.has(command.trim())) result = await shell.interrupt();
        else if (isInput) result = await shell.sendInput(command, limits);
        else if (command.trim() === "") result = await shell.wait(limits);
        else {
          return {
            content: `[Your command "${command}" is NOT executed. The previous command is still running - You CANNOT send new commands until the previous command is completed. By setting \`is_input\` to \`true\`, you can interact with the current process: send empty command '' to retrieve additional output, send text to answer a prompt, or send keys ("C-c", "C-d", "C-z") to interrupt/kill the previous command.]`,
            isError: true,
            toolError: false,
            exitCode: null,
          };
        }
      } else if (isInput) {
        return {
          content: "ERROR: No previous running command to interact with.",
          isError: true,
          toolError: false,
          exitCode: null,
        };
      } else if (command.trim() === "") {
        return {
          content: "ERROR: No previous running command to retrieve logs from.",
          isError: true,
          toolError: false,
          exitCode: null,
        };
      } else {
        result = await shell.run(command, limits);
      }
      return await this.withSizeCheck(this.observe(result, note, limits.softTimeoutMs, limits.hardTimeoutMs));
    } finally {
      this.commandMs += Date.now() - started;
    }
  }

  private everStarted = false;

  /**
   * After a command, the workspace's size against its limit (where the environment keeps one):
   * past it the observation says so and counts as an error, so the model can clean up.
   */
  private async withSizeCheck(observation: ToolObservation): Promise<ToolObservation> {
    if (!this.env.workspaceUsage) return observation;
    const { bytes, limitBytes } = await this.env.workspaceUsage();
    if (bytes <= limitBytes) return observation;
    const mib = (n: number) => Math.round(n / 1024 / 1024);
    return {
      ...observation,
      content: `${observation.content}\n[The workspace now takes ${mib(bytes)} MiB, over its limit of ${mib(limitBytes)} MiB: delete files before going on.]`,
      isError: true,
    };
  }

  private observe(result: ShellResult, note: string, softMs: number, hardMs: number): ToolObservation {
    const output = truncateMiddle(result.output, this.limits.maxOutputChars, result.droppedChars);
    let status: string;
    if (result.running) {
      status = `[The command has no new output after ${Math.round(softMs / 1000)} seconds. You may wait longer to see additional output by sending empty command '', send other commands to interact with the current process, send keys ("C-c", "C-z", "C-d") to interrupt/kill the previous command before sending your new command, or use the timeout parameter in execute_bash for future commands.]`;
    } else if (result.killed) {
      status = `[The command timed out after ${Math.round(hardMs / 1000)} seconds and was killed.]`;
    } else if (result.shellExited) {
      status =
        "[The shell exited; a new one will be started for the next command (working directory and environment are reset).]";
    } else {
      status = `[The command completed with exit code ${result.exitCode}.]`;
    }
    const content = `${note}${output}${output && !output.endsWith("\n") ? "\n" : ""}${status}`;
    return {
      content,
      isError: result.killed || result.shellExited || (result.exitCode !== null && result.exitCode !== 0),
      toolError: false,
      exitCode: result.exitCode,
    };
  }

  async close(): Promise<void> {
    await this.shell?.close();
    this.shell = null;
  }
}
