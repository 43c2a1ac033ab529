import { InputError } from "../errors.js";
import { episodePrompts, loadPromptTemplates, type PromptTemplates } from "../prompts/templates.js";
import { messageText } from "../providers/tokens.js";
import type { CompletionContext, ModelProvider, Sampling } from "../providers/types.js";
import { ModelError } from "../providers/types.js";
import { LocalRuntime } from "../runtime/local.js";
import { computePatch } from "../runtime/workspace-ops.js";
import type { SandboxLimits } from "../sandbox/bwrap.js";
import type { BaseWorkspace, PrepareOptions } from "../sandbox/workspace.js";
import { stepsOfMessages } from "../schema/steps.js";
import type { Task } from "../schema/task.js";
import type { ExitReason, Message, ToolMessage, Trajectory } from "../schema/trajectory.js";
import type { BashToolLimits } from "../tools/bash.js";
import { Toolbox } from "../tools/toolbox.js";
import { buildTrajectory } from "../trajectories/build.js";
import { openHandsStuckLabels, paperStuck, STUCK_LABELS, type StepFacts } from "./stuck.js";

/** How one episode is run. Defaults follow the paper's evaluation budget. */
export interface EpisodeOptions {
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
  /** A base workspace already prepared for the task (shared by its samples); made here otherwise. */
  base?: BaseWorkspace;
  prepare?: PrepareOptions;
  /** Folder under which the episode's workspace is made. */
  workspaceRoot?: string;
  limits?: SandboxLimits;
  maxProcesses?: number;
  bash?: Partial<BashToolLimits>;
  unsafeNoSandbox?: boolean;
  /** Stops the episode (ends as `time_limit` with detail "aborted"). */
  signal?: AbortSignal;
  /** Called after every step (progress displays). */
  onStep?: (info: { turn: number; tokens: number; toolErrors: number }) => void;
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
  /** Workspace clone and shell start. */
  setupMs: number;
  /** The final `git diff` and building the trajectory. */
  finishMs: number;
}

/**
 * Run one agent episode on a task: a fresh sandboxed workspace, the CodeAct tools, the model
 * in a loop until it finishes or a limit ends it; returns the validated trajectory (patch =
 * `git diff` against the base, exit reason, stuck labels, tool errors, usage).
 *
 * Throws only for bad input (InputError: e.g. no bubblewrap without `unsafeNoSandbox`); model
 * and sandbox failures end the episode with `model_error` / `sandbox_error`.
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
): Promise<{ trajectory: Trajectory; timings: EpisodeTimings }> {
  const started = Date.now();
  const maxTurns = options.maxTurns ?? EPISODE_DEFAULTS.maxTurns;
  const contextTokens = options.contextTokens ?? EPISODE_DEFAULTS.contextTokens;
  const wallClockMs = options.wallClockMs ?? EPISODE_DEFAULTS.wallClockMs;
  const stuckRepeat = options.stuckRepeat ?? EPISODE_DEFAULTS.stuckRepeat;
  const seed = options.seed ?? 0;
  const sampleIndex = options.sampleIndex ?? 0;
  const sampling: Sampling = { ...options.sampling, seed };
  const templates = options.templates ?? loadPromptTemplates();
  const episodeId = options.episodeId ?? `${task.instance_id}#${options.runId ?? "run"}#${sampleIndex}`;

  const runtime = new LocalRuntime({
    root: options.workspaceRoot ?? options.prepare?.root,
    repoPathOf: () => options.prepare?.repoPath,
    limits: options.limits,
    maxProcesses: options.maxProcesses,
    unsafeNoSandbox: options.unsafeNoSandbox,
  });
  const base = options.base ? { task, ...options.base } : await runtime.prepare(task);
  const env = await runtime.open(base, { name: task.instance_id });
  const viewRoot = env.workdir;
  const toolbox = new Toolbox({ env, bash: options.bash });

  const prompts = episodePrompts(templates, task, viewRoot);
  const messages: Message[] = [
    { role: "system", content: prompts.system },
    { role: "user", content: prompts.user },
  ];
  const facts: StepFacts[] = [];
  const labels = new Set<string>();
  const requests: Record<string, unknown>[] = [];
  let exitReason: ExitReason = "max_turns";
  let exitDetail: string | undefined;
  let toolErrors = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let tokensKnown = true;
  let tokensEstimated = false;
  let lastContext = 0;
  let modelMs = 0;
  let setupMs = 0;
  let patch: string | null = null;

  const deadline = AbortSignal.timeout(wallClockMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  // a stop from outside ends the running command at once (its shell is killed), not at its limit
  const stopShell = () => void toolbox.bash.close();
  options.signal?.addEventListener("abort", stopShell, { once: true });

  try {
    try {
      await toolbox.bash.start();
    } catch (error) {
      if (error instanceof InputError) throw error;
      exitReason = "sandbox_error";
      exitDetail = (error as Error).message;
      return await finish(); // await: the finally below removes the workspace finish() diffs
    }
    setupMs = Date.now() - started;

    let turn = 0;
    loop: for (; turn < maxTurns; turn++) {
      if (signal.aborted || Date.now() >= started + wallClockMs) {
        exitReason = "time_limit";
        exitDetail = options.signal?.aborted ? "aborted" : `wall-clock limit of ${wallClockMs} ms`;
        break;
      }
      let contextNow: number;
      try {
        contextNow = await estimateContext();
      } catch (error) {
        // counting needs the model's tokenizer: a model that cannot load fails here first
        exitReason = "model_error";
        exitDetail = `counting tokens: ${(error as Error).message}`;
        break;
      }
      if (contextNow > contextTokens) {
        exitReason = "context";
        exitDetail = `${contextNow} tokens > budget ${contextTokens}`;
        break;
      }
      const context: CompletionContext = { task, episodeId, sampleIndex, seed, turn };
      const t0 = Date.now();
      let result: Awaited<ReturnType<ModelProvider["complete"]>>;
      try {
        result = await provider.complete(
          { messages: structuredClone(messages), tools: toolbox.tools, sampling, signal },
          context,
        );
      } catch (error) {
        modelMs += Date.now() - t0;
        if (signal.aborted) {
          exitReason = "time_limit";
          exitDetail = options.signal?.aborted ? "aborted" : `wall-clock limit of ${wallClockMs} ms`;
        } else {
          exitReason = "model_error";
          exitDetail =
            error instanceof ModelError
              ? error.message
              : `${(error as Error).name}: ${(error as Error).message}`;
        }
        break;
      }
      modelMs += Date.now() - t0;
      if (result.request) requests.push(result.request);
      if (result.usage) {
        promptTokens += result.usage.prompt_tokens;
        completionTokens += result.usage.completion_tokens;
        tokensEstimated ||= result.usage.estimated;
        lastContext = result.usage.prompt_tokens + result.usage.completion_tokens;
      } else tokensKnown = false;

      const message = result.message;
      messages.push(message);
      const stepFacts: StepFacts = { observations: [] };
      let finished = false;
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) {
        messages.push({ role: "user", content: templates.continueNudge.trim() });
        stepFacts.observations.push({ isError: false, tool: null });
      }
      for (const call of calls) {
        let observation: Awaited<ReturnType<Toolbox["call"]>>;
        try {
          observation = await toolbox.call(call, { deadline: started + wallClockMs });
        } catch (error) {
          exitReason = "sandbox_error";
          exitDetail = `${call.function.name}: ${(error as Error).message}`;
          messages.push({
            role: "tool",
            tool_call_id: call.id,
            name: call.function.name,
            content: `ERROR: ${exitDetail}`,
          });
          break loop;
        }
        if (observation.toolError) toolErrors++;
        const toolMessage: ToolMessage = {
          role: "tool",
          tool_call_id: call.id,
          name: call.function.name,
          content: observation.content,
        };
        messages.push(toolMessage);
        stepFacts.observations.push({
          isError: observation.isError,
          exitCode: observation.exitCode,
          tool: observation.toolError ? null : call.function.name,
        });
        if (observation.finish) finished = true;
      }
      facts.push(stepFacts);
      options.onStep?.({ turn: turn + 1, tokens: promptTokens + completionTokens, toolErrors });
      if (finished) {
        exitReason = "finished";
        turn++;
        break;
      }
      const steps = stepsOfMessages(messages);
      for (const label of openHandsStuckLabels(steps, facts)) labels.add(label);
      if (paperStuck(steps, stuckRepeat)) {
        labels.add(STUCK_LABELS.paper);
        exitReason = "stuck";
        exitDetail = `the same action ${stuckRepeat} times in a row`;
        turn++;
        break;
      }
    }
    if (turn >= maxTurns && exitReason === "max_turns") exitDetail = `${maxTurns} turns`;
    return await finish();
  } finally {
    options.signal?.removeEventListener("abort", stopShell);
    await toolbox.close();
    await env.close();
    await runtime.close();
  }

  async function estimateContext(): Promise<number> {
    if (provider.countTokens) return provider.countTokens(messages, toolbox.tools);
    // the server's count for the last request, plus ~4 characters a token for what came after
    const lastAssistant = messages.map((m) => m.role).lastIndexOf("assistant");
    const after = messages.slice(lastAssistant + 1).reduce((n, m) => n + messageText(m).length, 0);
    return lastContext + Math.ceil(after / 4);
  }

  async function finish(): Promise<{ trajectory: Trajectory; timings: EpisodeTimings }> {
    const finishStarted = Date.now();
    if (exitReason !== "sandbox_error" || setupMs > 0) {
      try {
        patch = await computePatch(env);
      } catch (error) {
        patch = null;
        exitDetail = `${exitDetail ?? ""}${exitDetail ? "; " : ""}diff failed: ${(error as Error).message}`;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const trajectory = buildTrajectory({
      id: episodeId,
      task_id: task.instance_id,
      provenance: {
        scaffold: "sealign",
        model: provider.name,
        sampling,
        run_id: options.runId,
        sample_index: sampleIndex,
        created_at: new Date().toISOString(),
      },
      tools: toolbox.tools,
      messages,
      patch,
      outcome: {
        resolved: null,
        exit_reason: exitReason,
        ...(exitDetail ? { exit_detail: exitDetail } : {}),
        report: null,
        labels: [...labels].sort(),
      },
      usage: {
        prompt_tokens: tokensKnown ? promptTokens : null,
        completion_tokens: tokensKnown ? completionTokens : null,
        total_tokens: tokensKnown ? promptTokens + completionTokens : null,
        tokens_estimated: tokensEstimated,
        seconds,
        tool_errors: toolErrors,
      },
      metadata: {
        episode: {
          max_turns: maxTurns,
          context_tokens: contextTokens,
          wall_clock_ms: wallClockMs,
          stuck_repeat: stuckRepeat,
          sandbox: env.isolation,
          pids_limit: toolbox.bash.pidsLimit ?? null,
          base_commit: base.baseCommit,
        },
        requests,
      },
    });
    return {
      trajectory,
      timings: {
        totalMs: Date.now() - started,
        modelMs,
        commandMs: toolbox.bash.commandMs,
        setupMs,
        finishMs: Date.now() - finishStarted,
      },
    };
  }
}
