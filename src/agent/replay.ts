import { contentText } from "../schema/content.js";
import type { Branch, Message } from "../schema/trajectory.js";
import type { Toolbox } from "../tools/toolbox.js";
import { normaliseObservation } from "../tree/observation.js";
import type { StepFacts } from "./stuck.js";

/**
 * Replay of a recorded prefix (docs/search.md): a tree-search branch starts from another
 * trajectory's state by running that trajectory's first turns again in a fresh environment.
 * Every tool call of the recorded assistant messages goes through the episode's own toolbox, in
 * order, and what comes back is compared with the recorded observation after the tree's
 * observation normalisation (`normaliseObservation`): the state is the recorded one only when
 * every observation agrees. The messages the model then continues from are the recorded ones,
 * copied message for message, so the tree stage merges the branch with its source unchanged.
 */

/** What a branched episode starts from. Plain data: it travels with a queue job. */
export interface ReplaySpec {
  /** The recorded messages up to the branch point: the prompt, then `turns` assistant turns and what followed each. */
  messages: Message[];
  /** Assistant turns to replay. */
  turns: number;
  /** The source's per-turn request records of those turns (copied to `metadata.requests`), one per turn, or none. */
  requests: Record<string, unknown>[];
  /** Recorded as `provenance.branch`. */
  branch: Branch;
  /** Which episode seed generated each part of the prefix (passed to the provider as `replayed.seeds`). */
  seeds: { seed: number; from: number }[];
}

/** Where and why a replay left the recorded path. */
export interface ReplayDivergence {
  /** The assistant turn (0-based) whose observation differed; -1 for the prompt. */
  turn: number;
  /** The tool call's index in that turn; null for the prompt or the message layout. */
  call: number | null;
  reason: "prompt" | "observation" | "layout" | "finished" | "sandbox_error";
  /** The recorded text and the text now (normalised, cut to 2,000 characters each). */
  expected: string;
  got: string;
}

/** Thrown by `Episode.run` when the replay diverges: the branch stops, with no trajectory. */
export class ReplayDiverged extends Error {
  readonly divergence: ReplayDivergence;

  constructor(divergence: ReplayDivergence) {
    super(
      `replay diverged at turn ${divergence.turn}${divergence.call === null ? "" : ` call ${divergence.call}`} (${divergence.reason})`,
    );
    this.name = "ReplayDiverged";
    this.divergence = divergence;
  }
}

/** What the replay leaves for the episode to continue with. */
export interface ReplayResult {
  /** The recorded messages, copied (structuredClone), prompt included. */
  messages: Message[];
  /** The stuck rules' facts of each replayed turn, as if the episode had run it. */
  facts: StepFacts[];
  toolErrors: number;
}

const cut = (text: string) => (text.length > 2000 ? `${text.slice(0, 2000)}...` : text);

/** The recorded messages of each replayed turn: the assistant message and what followed it. */
function turnsOf(messages: Message[], turns: number): { assistant: Message; after: Message[] }[] {
  const out: { assistant: Message; after: Message[] }[] = [];
  for (const message of messages.slice(2)) {
    if (message.role === "assistant") out.push({ assistant: message, after: [] });
    else out.at(-1)?.after.push(message);
  }
  if (out.length !== turns)
    throw new ReplayDiverged({
      turn: Math.min(out.length, turns),
      call: null,
      reason: "layout",
      expected: `${turns} recorded turns`,
      got: `${out.length}`,
    });
  return out;
}

/**
 * Run the recorded turns of `spec` through `toolbox`; throws `ReplayDiverged` at the first
 * observation that differs from the recorded one after normalisation (or a call that finishes
 * the episode, or one the sandbox cannot run). `prompt` is the episode's own prompt, which must
 * match the recorded one (the workspace path is in it).
 */
export async function replayPrefix(
  toolbox: Toolbox,
  spec: ReplaySpec,
  prompt: Message[],
  deadline: number,
): Promise<ReplayResult> {
  checkPrompt(spec.messages, prompt);
  const facts: StepFacts[] = [];
  let toolErrors = 0;
  const turns = turnsOf(spec.messages, spec.turns);
  for (const [turn, { assistant, after }] of turns.entries()) {
    const calls = (assistant.role === "assistant" ? assistant.tool_calls : undefined) ?? [];
    const fact: StepFacts = { observations: [] };
    // a turn without tool calls changed nothing in the environment: its nudge is copied as recorded
    if (calls.length === 0) fact.observations.push({ isError: false, tool: null });
    for (const [index, call] of calls.entries()) {
      const observation = await replayCall(toolbox, call, after, { turn, index, deadline });
      if (observation.toolError) toolErrors++;
      fact.observations.push({
        isError: observation.isError,
        exitCode: observation.exitCode,
        tool: observation.toolError ? null : call.function.name,
      });
    }
    facts.push(fact);
  }
  return { messages: structuredClone(spec.messages), facts, toolErrors };
}

/** The episode's prompt must be the recorded one (after normalisation: the workspace path is in it). */
function checkPrompt(recorded: Message[], prompt: Message[]): void {
  for (let i = 0; i < 2; i++) {
    const expected = normaliseObservation(contentText(recorded[i]?.content ?? ""));
    const got = normaliseObservation(contentText(prompt[i]?.content ?? ""));
    if (expected !== got || recorded[i]?.role !== prompt[i]?.role)
      throw new ReplayDiverged({
        turn: -1,
        call: null,
        reason: "prompt",
        expected: cut(expected),
        got: cut(got),
      });
  }
}

type ToolCall = NonNullable<Extract<Message, { role: "assistant" }>["tool_calls"]>[number];

/** Run one recorded call again; its observation must be the recorded one after normalisation. */
async function replayCall(
  toolbox: Toolbox,
  call: ToolCall,
  after: Message[],
  at: { turn: number; index: number; deadline: number },
): Promise<Awaited<ReturnType<Toolbox["call"]>>> {
  const { turn, index, deadline } = at;
  const recorded = after.find((m) => m.role === "tool" && m.tool_call_id === call.id);
  const expected = normaliseObservation(contentText(recorded?.content ?? ""));
  if (!recorded)
    throw new ReplayDiverged({
      turn,
      call: index,
      reason: "layout",
      expected: "a tool message",
      got: "none",
    });
  let observation: Awaited<ReturnType<Toolbox["call"]>>;
  try {
    observation = await toolbox.call(call, { deadline });
  } catch (error) {
    throw new ReplayDiverged({
      turn,
      call: index,
      reason: "sandbox_error",
      expected,
      got: (error as Error).message,
    });
  }
  if (observation.finish)
    throw new ReplayDiverged({
      turn,
      call: index,
      reason: "finished",
      expected: "no finish",
      got: "finish",
    });
  const got = normaliseObservation(observation.content);
  if (got !== expected)
    throw new ReplayDiverged({
      turn,
      call: index,
      reason: "observation",
      expected: cut(expected),
      got: cut(got),
    });
  return observation;
}
