import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
import type { ProviderOptions } from "../providers/options.js";
import type {
  CompletionContext,
  CompletionRequest,
  CompletionResult,
  ModelProvider,
} from "../providers/types.js";
import { ModelError } from "../providers/types.js";
import type { AssistantMessage, Message } from "../schema/trajectory.js";
import {
  DEFAULT_SIM_CONFIG,
  type Random,
  REALISTIC_SIM_SETTINGS,
  type SimAction,
  type SimConfig,
  SimTaskError,
  seededRandom,
  simPolicy,
} from "./policy.js";

/** Version of the simulator's policy, recorded with every action (ground truth depends on it). */
export const SIM_VERSION = 1;

/**
 * The ground-truth record the simulator attaches to each of its turns. The episode runner keeps
 * every completion's `request` in `trajectory.metadata.requests`, so a trajectory carries one
 * of these per assistant turn (see `simRecords`).
 */
export interface SimTurnRecord {
  provider: "sim";
  sim_version: number;
  config: SimConfig;
  turn: number;
  tool: string;
  decision: SimAction["decision"] | null;
  outcome: SimAction["outcome"] | null;
  /** Turns at which the policy erred so far (this one included). */
  mistake_turns: number[];
  /** A later turn's record may set this when the episode is found doomed. */
  fatal_turn: number | null;
}

const CONFIG_KEYS: Record<string, keyof SimConfig> = {
  wrong_place: "wrongPlace",
  reproduce: "reproduce",
  give_up: "giveUp",
  repeat: "repeat",
  finish_early: "finishEarly",
  recover: "recover",
  spelling: "spelling",
  reword: "reword",
  volatile: "volatile",
  parallel: "parallel",
};

/**
 * Parse the part of `--model sim:...` after the colon: comma-separated `key=probability`
 * (`wrong_place`, `reproduce`, `give_up`, `repeat`, `finish_early`, `recover`, and the realism
 * settings `spelling`, `reword`, `volatile`, `parallel`); `realistic=1` sets the realism
 * settings to REALISTIC_SIM_SETTINGS (later keys still override them); "" = defaults.
 */
export function parseSimSpec(
  rest: string,
  base: SimConfig = DEFAULT_SIM_CONFIG,
  /** The option the settings came from, named in errors (`demo --sim` is not `--model`). */
  option = "--model",
): SimConfig {
  const config = { ...base };
  for (const part of rest
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value] = part.split("=").map((s) => s.trim());
    const field = CONFIG_KEYS[key ?? ""];
    const n = Number(value);
    if (key === "realistic") {
      if (value !== "0" && value !== "1")
        throw new InputError(`simulator setting realistic must be 0 or 1, got "${value}"`, { field: option });
      if (value === "1") Object.assign(config, REALISTIC_SIM_SETTINGS);
      continue;
    }
    if (!field) {
      throw new InputError(
        `unknown simulator setting "${key}" (known: ${[...Object.keys(CONFIG_KEYS), "realistic"].join(", ")})`,
        { field: option },
      );
    }
    if (value === undefined || value === "" || !Number.isFinite(n) || n < 0 || n > 1)
      throw new InputError(`simulator setting ${key} must be a probability in [0, 1], got "${value}"`, {
        field: option,
      });
    config[field] = n;
  }
  return config;
}

/**
 * The observation the policy reads after each assistant turn of a conversation: the result of
 * the turn's first tool call (a `parallel` turn's further calls are not the policy's to read),
 * or, for a turn without one, what followed it.
 */
function turnsOf(messages: Message[]): { assistant: AssistantMessage; observation: string }[] {
  const turns: { assistant: AssistantMessage; observation: string }[] = [];
  for (const message of messages) {
    if (message.role === "assistant") turns.push({ assistant: message, observation: "" });
    else if (turns.length > 0 && (message.role === "tool" || message.role === "user")) {
      const last = turns.at(-1)!;
      const first = last.assistant.tool_calls?.[0]?.id;
      if (message.role === "tool" && first !== undefined && message.tool_call_id !== first) continue;
      const text = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
      last.observation += (last.observation ? "\n" : "") + text;
    }
  }
  return turns;
}

/** The tool calls of one policy action: its own, then the `parallel` ones. */
function callsOf(action: SimAction): { name: string; arguments: string }[] {
  return [action, ...(action.also ?? [])].map((c) => ({
    name: c.tool,
    arguments: JSON.stringify(c.arguments),
  }));
}

/**
 * The simulator's random draws, turn by turn. The draws that choose the action of turn t come
 * from the seed of the episode that generated turn t: a tree-search branch replays its prefix
 * (`context.replayed`), whose turns came from other episodes' seeds, and the simulator must play
 * that prefix again exactly; from the branch point on, its own seed gives its own continuation.
 * Each seed's stream starts fresh at the turn its episode started generating, as it did there.
 */
class TurnRandom {
  private readonly context: CompletionContext;
  private readonly streams = new Map<string, Random>();
  private current: Random;

  constructor(context: CompletionContext) {
    this.context = context;
    this.current = this.streamFor(context.seed, 0);
  }

  /** Switch to the stream of the episode that generated turn `t`. */
  turn(t: number): void {
    const replayed = this.context.replayed;
    let seed = this.context.seed;
    let from = replayed ? replayed.turns : 0;
    if (replayed && t < replayed.turns) {
      const segment = replayed.seeds.filter((s) => s.from <= t).at(-1);
      if (segment) ({ seed, from } = segment);
    }
    this.current = this.streamFor(seed, from);
  }

  readonly random: Random = () => this.current();

  private streamFor(seed: number, from: number): Random {
    const key = `${seed}\0${from}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = seededRandom(seed, this.context.task.instance_id);
      this.streams.set(key, stream);
    }
    return stream;
  }
}

function callId(episodeId: string, turn: number, index: number): string {
  // the first call's id is what it was before parallel calls existed
  const salt = index === 0 ? `${episodeId}\0${turn}` : `${episodeId}\0${turn}\0${index}`;
  return `call_sim_${createHash("sha256").update(salt).digest("hex").slice(0, 16)}`;
}

/**
 * The simulated teacher (`--model sim`): a ModelProvider that plays {@link simPolicy} against
 * the real tools. It is a simulator for trying and testing the pipeline without a model, not a
 * model: it reads the task's gold patch. At each call it replays its policy over the
 * conversation so far (its own actions and the real observations), checks that the replay
 * matches what it said before, and answers with the next action.
 */
export class SimProvider implements ModelProvider {
  readonly name: string;
  readonly config: SimConfig;

  constructor(config: SimConfig = DEFAULT_SIM_CONFIG, spec = "") {
    this.config = config;
    this.name = spec ? `sim:${spec}` : "sim";
  }

  async complete(request: CompletionRequest, context: CompletionContext): Promise<CompletionResult> {
    const history = turnsOf(request.messages);
    const draws = new TurnRandom(context);
    const policy = simPolicy(context.task, this.config, draws.random);
    let step: IteratorResult<SimAction, void>;
    const mistakes: number[] = [];
    try {
      draws.turn(0);
      step = policy.next("");
      for (let i = 0; i < history.length; i++) {
        if (step.done) throw new ModelError("sim: the conversation continues after the simulator finished");
        const said = (history[i]!.assistant.tool_calls ?? []).map((c) => ({
          name: c.function.name,
          arguments: c.function.arguments,
        }));
        if (JSON.stringify(said) !== JSON.stringify(callsOf(step.value)))
          throw new ModelError(`sim: turn ${i} of the conversation is not the simulator's own action`);
        if (step.value.decision?.mistake) mistakes.push(i);
        draws.turn(i + 1);
        step = policy.next(history[i]!.observation);
      }
    } catch (error) {
      if (error instanceof SimTaskError) throw new ModelError(error.message);
      throw error;
    }
    if (step.done) throw new ModelError("sim: asked for a turn after it finished");
    const action = step.value;
    const turn = history.length;
    if (action.decision?.mistake) mistakes.push(turn);
    const message: AssistantMessage = {
      role: "assistant",
      content: action.thought,
      tool_calls: callsOf(action).map((call, index) => ({
        id: callId(context.episodeId, turn, index),
        type: "function" as const,
        function: call,
      })),
    };
    const record: SimTurnRecord = {
      provider: "sim",
      sim_version: SIM_VERSION,
      config: this.config,
      turn,
      tool: action.tool,
      decision: action.decision ?? null,
      outcome: action.outcome ?? null,
      mistake_turns: mistakes,
      fatal_turn:
        action.outcome?.fatal_turn ??
        (action.decision?.name === "repeat" && action.decision.mistake ? turn : null),
    };
    return { message, request: record as unknown as Record<string, unknown> };
  }
}

/** Factory for the provider registry: `sim` or `sim:wrong_place=0.5,recover=0.2`. */
export function createSimProvider(rest: string, options: ProviderOptions = {}): SimProvider {
  const fromOptions = (options.sim ?? {}) as Partial<SimConfig>;
  return new SimProvider(parseSimSpec(rest, { ...DEFAULT_SIM_CONFIG, ...fromOptions }), rest);
}
