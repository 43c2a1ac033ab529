import { InputError } from "../errors.js";
import { episodePrompts, loadPromptTemplates, type PromptTemplates } from "../prompts/templates.js";
import { messageText } from "../providers/tokens.js";
import type { CompletionContext, ModelProvider, Sampling } from "../providers/types.js";
import { ModelError } from "../providers/types.js";
import { LocalRuntime } from "../runtime/local.js";
import type { Environment } from "../runtime/types.js";
import { computePatch } from "../runtime/workspace-ops.js";
import type { SandboxLimits } from "../sandbox/bwrap.js";
import type { BaseWorkspace, PrepareOptions } from "../sandbox/workspace.js";
import { stepsOfMessages } from "../schema/steps.js";
import type { Task } from "../schema/task.js";
import type { Message, ToolMessage, Trajectory } from "../schema/trajectory.js";
import type { BashToolLimits } from "../tools/bash.js";
import { Toolbox } from "../tools/toolbox.js";
import { buildTrajectory } from "../trajectories/build.js";
import { EpisodeExit } from "./exit.js";
import { type ReplaySpec, replayPrefix } from "./replay.js";
import { openHandsStuckLabels, paperStuck, STUCK_LABELS, type StepFacts } from "./stuck.js";

export { EpisodeExit } from "./exit.js";
export { ReplayDiverged, type ReplayDivergence, type ReplaySpec } from "./replay.js";

/** How one episode runs in an environment it is given. Defaults follow the paper's evaluation budget. */
export interface EpisodeConfig {
  task: Task;
  provider: ModelProvider;
  /** Where its commands run; the caller opened it and closes it (the episode never makes one). */
  env: Environment;
  sampling?: Sampling;
  /** The episode's seed (sent to the model; recorded). Default 0. */
  seed?: number;
  sampleIndex?: number;
  runId?: string;
  /** Trajectory id (default derived from run, task and sample). */
  episodeId?: string;
  /** Assistant turns before the episode ends as `max_turns` (default 30). */
  maxTurns?: number;
  /** Conversation tokens before it ends as `context` (default 32,768). */
  contextTokens?: number;
  /** Wall-clock limit of the whole episode in ms (default 30 min); ends as `time_limit`. */
  wallClockMs?: number;
  /** The paper's stuck rule: end as `stuck` after this many identical actions in a row (default 3; 0 = never). */
  stuckRepeat?: number;
  templates?: PromptTemplates;
  bash?: Partial<BashToolLimits>;
  /** Stops the episode (ends as `time_limit` with detail "aborted"). */
  signal?: AbortSignal;
  /** Called after every step (progress displays). */
  onStep?: (info: { turn: number; tokens: number; toolErrors: number }) => void;
  /** When the episode's clock started (default: now): a caller that opened the environment for it passes its own start, so set-up counts. */
  startedAt?: number;
  /**
   * Start from a recorded prefix (a tree-search branch, docs/search.md): its turns are replayed
   * through the tools first; `run` throws `ReplayDiverged` when an observation differs.
   */
  replay?: ReplaySpec;
}

/** `runEpisode`'s options: an episode's settings, and where its local environment comes from. */
export interface EpisodeOptions
  extends Omit<EpisodeConfig, "task" | "provider" | "env" | "startedAt" | "replay"> {
  /** A base workspace already prepared for the task (shared by its samples); made here otherwise. */
  base?: BaseWorkspace;
  prepare?: PrepareOptions;
  /** Folder under which the episode's workspace is made. */
  workspaceRoot?: string;
  limits?: SandboxLimits;
  maxProcesses?: number;
  unsafeNoSandbox?: boolean;
}

export const EPISODE_DEFAULTS = {
  maxTurns: 30,
  contextTokens: 32_768,
  wallClockMs: 30 * 60_000,
  stuckRepeat: 3,
} as const;

/** Timings of one episode, split so that the runtime's own overhead can be measured. */
export interface EpisodeTimings {
  totalMs: number;
  modelMs: number;
  commandMs: number;
  /** Everything before the first model call: the environment (when the caller timed it) and the shell start. */
  setupMs: number;
  /** Computing the final patch and building the trajectory. */
  finishMs: number;
}

export interface EpisodeResult {
  trajectory: Trajectory;
  timings: EpisodeTimings;
}

/** Token counts as the episode goes. */
interface Usage {
  prompt: number;
  completion: number;
  known: boolean;
  estimated: boolean;
  /** prompt + completion tokens of the last request (the context's size then). */
  lastContext: number;
}

/**
 * One agent episode: the CodeAct tools over an environment, the model in a loop of steps
 * (`step` = `query` the model, `execute` its tool calls) until a step throws an `EpisodeExit`
 * (finished, a limit, a model or sandbox failure); then the patch is taken (`git diff` against
 * the base, inside the environment) and the validated trajectory built.
 *
 * Throws only for bad input (InputError: e.g. no bubblewrap without `unsafeNoSandbox`).
 */
export class Episode {
  private readonly config: EpisodeConfig;
  private readonly toolbox: Toolbox;
  private readonly templates: PromptTemplates;
  private readonly sampling: Sampling;
  private readonly episodeId: string;
  private readonly limits: {
    maxTurns: number;
    contextTokens: number;
    wallClockMs: number;
    stuckRepeat: number;
  };
  private readonly started: number;
  private readonly signal: AbortSignal;
  private readonly messages: Message[];
  private readonly facts: StepFacts[] = [];
  private readonly labels = new Set<string>();
  private readonly requests: Record<string, unknown>[] = [];
  private readonly usage: Usage = { prompt: 0, completion: 0, known: true, estimated: false, lastContext: 0 };
  private turn = 0;
  private toolErrors = 0;
  private modelMs = 0;
  private setupMs: number | null = null;

  constructor(config: EpisodeConfig) {
    this.config = config;
    this.started = config.startedAt ?? Date.now();
    this.limits = {
      maxTurns: config.maxTurns ?? EPISODE_DEFAULTS.maxTurns,
      contextTokens: config.contextTokens ?? EPISODE_DEFAULTS.contextTokens,
      wallClockMs: config.wallClockMs ?? EPISODE_DEFAULTS.wallClockMs,
      stuckRepeat: config.stuckRepeat ?? EPISODE_DEFAULTS.stuckRepeat,
    };
    this.sampling = { ...config.sampling, seed: config.seed ?? 0 };
    this.templates = config.templates ?? loadPromptTemplates();
    const sample = config.sampleIndex ?? 0;
    this.episodeId = config.episodeId ?? `${config.task.instance_id}#${config.runId ?? "run"}#${sample}`;
    this.toolbox = new Toolbox({ env: config.env, bash: config.bash });
    const deadline = AbortSignal.timeout(Math.max(1, this.started + this.limits.wallClockMs - Date.now()));
    this.signal = config.signal ? AbortSignal.any([deadline, config.signal]) : deadline;
    const prompts = episodePrompts(this.templates, config.task, config.env.workdir);
    this.messages = [
      { role: "system", content: prompts.system },
      { role: "user", content: prompts.user },
    ];
  }

  /** Run to the end; the toolbox's shell is stopped, the environment left to its owner. */
  async run(): Promise<EpisodeResult> {
    // a stop from outside ends the running command at once (its shell is killed), not at its limit
    const stopShell = () => void this.toolbox.bash.close();
    this.config.signal?.addEventListener("abort", stopShell, { once: true });
    try {
      return await this.finish(await this.loop());
    } finally {
      this.config.signal?.removeEventListener("abort", stopShell);
      await this.toolbox.close();
    }
  }

  private async loop(): Promise<EpisodeExit> {
    try {
      await this.setup();
      if (this.config.replay) await this.replay(this.config.replay);
      for (;;) await this.step();
    } catch (error) {
      if (error instanceof EpisodeExit) return error;
      throw error;
    }
  }

  /** Start the shell: a sandbox that cannot start ends the episode (bad input is thrown). */
  private async setup(): Promise<void> {
    try {
      await this.toolbox.bash.start();
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new EpisodeExit("sandbox_error", (error as Error).message);
    }
    this.setupMs = Date.now() - this.started;
  }

  /**
   * Replay a recorded prefix (src/agent/replay.ts): afterwards the episode stands where the
   * recorded one stood after `spec.turns` turns, with its messages, stuck facts and requests.
   */
  private async replay(spec: ReplaySpec): Promise<void> {
    const deadline = this.started + this.limits.wallClockMs;
    const result = await replayPrefix(this.toolbox, spec, this.messages, deadline);
    this.messages.splice(0, this.messages.length, ...result.messages);
    this.facts.push(...result.facts);
    this.toolErrors += result.toolErrors;
    this.requests.push(...structuredClone(spec.requests));
    this.turn = spec.turns;
    // no model call has counted the context yet: estimate it from the replayed text
    const lastAssistant = this.messages.map((m) => m.role).lastIndexOf("assistant");
    const before = this.messages.slice(0, lastAssistant + 1).reduce((n, m) => n + messageText(m).length, 0);
    this.usage.lastContext = Math.ceil(before / 4);
  }

  /** One turn: the limits checked, the model queried, its tool calls executed, the stuck rules applied. */
  async step(): Promise<void> {
    this.checkLimits();
    await this.checkContext();
    const message = await this.query();
    const finished = await this.execute(message);
    this.turn++;
    this.config.onStep?.({
      turn: this.turn,
      tokens: this.usage.prompt + this.usage.completion,
      toolErrors: this.toolErrors,
    });
    if (finished) throw new EpisodeExit("finished");
    const steps = stepsOfMessages(this.messages);
    for (const label of openHandsStuckLabels(steps, this.facts)) this.labels.add(label);
    if (paperStuck(steps, this.limits.stuckRepeat)) {
      this.labels.add(STUCK_LABELS.paper);
      throw new EpisodeExit("stuck", `the same action ${this.limits.stuckRepeat} times in a row`);
    }
  }

  private checkLimits(): void {
    if (this.turn >= this.limits.maxTurns)
      throw new EpisodeExit("max_turns", `${this.limits.maxTurns} turns`);
    if (this.signal.aborted || Date.now() >= this.started + this.limits.wallClockMs)
      throw new EpisodeExit("time_limit", this.timeDetail());
  }

  private timeDetail(): string {
    return this.config.signal?.aborted ? "aborted" : `wall-clock limit of ${this.limits.wallClockMs} ms`;
  }

  private async checkContext(): Promise<void> {
    let tokens: number;
    try {
      tokens = await this.estimateContext();
    } catch (error) {
      // counting needs the model's tokenizer: a model that cannot load fails here first
      throw new EpisodeExit("model_error", `counting tokens: ${(error as Error).message}`);
    }
    if (tokens > this.limits.contextTokens)
      throw new EpisodeExit("context", `${tokens} tokens > budget ${this.limits.contextTokens}`);
  }

  private async estimateContext(): Promise<number> {
    const { provider } = this.config;
    if (provider.countTokens) return provider.countTokens(this.messages, this.toolbox.tools);
    // the server's count for the last request, plus ~4 characters a token for what came after
    const lastAssistant = this.messages.map((m) => m.role).lastIndexOf("assistant");
    const after = this.messages.slice(lastAssistant + 1).reduce((n, m) => n + messageText(m).length, 0);
    return this.usage.lastContext + Math.ceil(after / 4);
  }

  /** Ask the model for its next message and record its usage. */
  async query(): Promise<Message> {
    const { task, provider } = this.config;
    const context: CompletionContext = {
      task,
      episodeId: this.episodeId,
      sampleIndex: this.config.sampleIndex ?? 0,
      seed: this.sampling.seed ?? 0,
      turn: this.turn,
      ...(this.config.replay
        ? { replayed: { turns: this.config.replay.turns, seeds: this.config.replay.seeds } }
        : {}),
    };
    const t0 = Date.now();
    let result: Awaited<ReturnType<ModelProvider["complete"]>>;
    try {
      result = await provider.complete(
        {
          messages: structuredClone(this.messages),
          tools: this.toolbox.tools,
          sampling: this.sampling,
          signal: this.signal,
        },
        context,
      );
    } catch (error) {
      if (this.signal.aborted) throw new EpisodeExit("time_limit", this.timeDetail());
      const e = error as Error;
      throw new EpisodeExit(
        "model_error",
        error instanceof ModelError ? e.message : `${e.name}: ${e.message}`,
      );
    } finally {
      this.modelMs += Date.now() - t0;
    }
    if (result.request) this.requests.push(result.request);
    if (result.usage) {
      this.usage.prompt += result.usage.prompt_tokens;
      this.usage.completion += result.usage.completion_tokens;
      this.usage.estimated ||= result.usage.estimated;
      this.usage.lastContext = result.usage.prompt_tokens + result.usage.completion_tokens;
    } else this.usage.known = false;
    this.messages.push(result.message);
    return result.message;
  }

  /** Run the message's tool calls (or nudge a message without any); true when one was `finish`. */
  async execute(message: Message): Promise<boolean> {
    const facts: StepFacts = { observations: [] };
    let finished = false;
    const calls = (message.role === "assistant" ? message.tool_calls : undefined) ?? [];
    if (calls.length === 0) {
      this.messages.push({ role: "user", content: this.templates.continueNudge.trim() });
      facts.observations.push({ isError: false, tool: null });
    }
    for (const call of calls) {
      const name = call.function.name;
      let observation: Awaited<ReturnType<Toolbox["call"]>>;
      try {
        observation = await this.toolbox.call(call, { deadline: this.started + this.limits.wallClockMs });
      } catch (error) {
        const detail = `${name}: ${(error as Error).message}`;
        this.messages.push({ role: "tool", tool_call_id: call.id, name, content: `ERROR: ${detail}` });
        throw new EpisodeExit("sandbox_error", detail);
      }
      if (observation.toolError) this.toolErrors++;
      const toolMessage: ToolMessage = {
        role: "tool",
        tool_call_id: call.id,
        name,
        content: observation.content,
      };
      this.messages.push(toolMessage);
      facts.observations.push({
        isError: observation.isError,
        exitCode: observation.exitCode,
        tool: observation.toolError ? null : name,
      });
      if (observation.finish) finished = true;
    }
    this.facts.push(facts);
    return finished;
  }

  /** Take the patch (when the environment ever started) and build the trajectory. */
  private async finish(exit: EpisodeExit): Promise<EpisodeResult> {
    const finishStarted = Date.now();
    let patch: string | null = null;
    let detail = exit.detail;
    if (this.setupMs !== null) {
      try {
        patch = await computePatch(this.config.env);
      } catch (error) {
        detail = `${detail ?? ""}${detail ? "; " : ""}diff failed: ${(error as Error).message}`;
      }
    }
    const trajectory = this.trajectory(exit, detail, patch);
    return {
      trajectory,
      timings: {
        totalMs: Date.now() - this.started,
        modelMs: this.modelMs,
        commandMs: this.toolbox.bash.commandMs,
        setupMs: this.setupMs ?? 0,
        finishMs: Date.now() - finishStarted,
      },
    };
  }

  private trajectory(exit: EpisodeExit, detail: string | undefined, patch: string | null): Trajectory {
    const { task, provider, env } = this.config;
    const { usage } = this;
    return buildTrajectory({
      id: this.episodeId,
      task_id: task.instance_id,
      provenance: {
        scaffold: "sealign",
        model: provider.name,
        sampling: this.sampling,
        run_id: this.config.runId,
        sample_index: this.config.sampleIndex ?? 0,
        created_at: new Date().toISOString(),
        ...(this.config.replay ? { branch: this.config.replay.branch } : {}),
      },
      tools: this.toolbox.tools,
      messages: this.messages,
      patch,
      outcome: {
        resolved: null,
        exit_reason: exit.reason,
        ...(detail ? { exit_detail: detail } : {}),
        report: null,
        labels: [...this.labels].sort(),
      },
      usage: {
        prompt_tokens: usage.known ? usage.prompt : null,
        completion_tokens: usage.known ? usage.completion : null,
        total_tokens: usage.known ? usage.prompt + usage.completion : null,
        tokens_estimated: usage.estimated,
        seconds: (Date.now() - this.started) / 1000,
        tool_errors: this.toolErrors,
      },
      metadata: {
        episode: {
          max_turns: this.limits.maxTurns,
          context_tokens: this.limits.contextTokens,
          wall_clock_ms: this.limits.wallClockMs,
          stuck_repeat: this.limits.stuckRepeat,
          sandbox: env.isolation,
          pids_limit: this.toolbox.bash.pidsLimit ?? null,
          base_commit: env.baseCommit,
        },
        requests: this.requests,
      },
    });
  }
}

/**
 * Run one agent episode on a task in a fresh local environment (bubblewrap, or none with
 * `unsafeNoSandbox`) made from `options.base` or a base prepared here, removed afterwards;
 * returns the validated trajectory. A convenience over `Episode` for callers that do not manage
 * a runtime themselves.
 */
export async function runEpisode(
  task: Task,
  provider: ModelProvider,
  options: EpisodeOptions = {},
): Promise<Trajectory> {
  return (await runEpisodeTimed(task, provider, options)).trajectory;
}

/** `runEpisode`, also returning where the time went (benchmarks). */
export async function runEpisodeTimed(
  task: Task,
  provider: ModelProvider,
  options: EpisodeOptions = {},
): Promise<EpisodeResult> {
  const startedAt = Date.now();
  const { base, prepare, workspaceRoot, limits, maxProcesses, unsafeNoSandbox, ...settings } = options;
  const runtime = new LocalRuntime({
    root: workspaceRoot ?? prepare?.root,
    repoPathOf: () => prepare?.repoPath,
    limits,
    maxProcesses,
    unsafeNoSandbox,
  });
  try {
    const taskBase = base ? { task, ...base } : await runtime.prepare(task);
    const env = await runtime.open(taskBase, { name: task.instance_id });
    try {
      return await new Episode({ ...settings, task, provider, env, startedAt }).run();
    } finally {
      await env.close();
    }
  } finally {
    await runtime.close();
  }
}
