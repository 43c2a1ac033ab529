import { createHash } from "node:crypto";
import { type ActionKeyOptions, actionKey } from "../schema/action-key.js";
import { contentText } from "../schema/content.js";
import { type Step, stepsOfMessages } from "../schema/steps.js";
import type { Message, Trajectory } from "../schema/trajectory.js";
import { normaliseObservation, observationHash, rawObservationHash, shortHash } from "./observation.js";

/** A hash of tool names and prompt messages as they are (the cache key of a prompt key). */
function rawPromptHash(tools: string[], messages: Message[]): string {
  const hash = createHash("sha1");
  for (const name of tools) hash.update(name).update("\u0000");
  for (const m of messages) {
    hash.update(`\u0001${m.role}\u0000`);
    if (typeof m.content === "string") hash.update("s").update(m.content);
    else hash.update("j").update(JSON.stringify(m.content ?? null));
  }
  return hash.digest("hex");
}

/**
 * A trajectory as the tree sees it: its steps, its outcome, and its action keys and
 * observation hashes computed on first use and cached. Steps, keys and hashes are all derived
 * lazily, one step at a time, because most steps of a corpus sit below a divergence, where no
 * other trajectory is compared with them. A step is the schema's step view (stepsOfMessages)
 * of the messages from its assistant message to the next one.
 */
export class TrajectoryView {
  readonly trajectory: Trajectory;
  /** Position among the task's trajectories in input order (ties are broken by it). */
  readonly index: number;
  /** Index in `messages` of each assistant message (one per step). */
  private readonly assistants: number[];
  private readonly built: (Step | undefined)[];
  /** `outcome.resolved`: true / false, or null when the trajectory has no outcome. */
  readonly resolved: boolean | null;
  private readonly keyOptions: ActionKeyOptions;
  private readonly keys: (string | undefined)[];
  private readonly observations: (string | undefined)[];
  private readonly rawObservations: (string | undefined)[];
  private prompt: string | undefined;

  private readonly promptCache: Map<string, string> | undefined;

  /**
   * `promptCache` (shared by a task's views) maps a raw prompt hash to its normalised key, so
   * that a prompt repeated by every sample is normalised once.
   */
  constructor(
    trajectory: Trajectory,
    index: number,
    keyOptions: ActionKeyOptions = {},
    promptCache?: Map<string, string>,
  ) {
    this.promptCache = promptCache;
    this.trajectory = trajectory;
    this.index = index;
    const assistants: number[] = [];
    const messages = trajectory.messages;
    for (let i = 0; i < messages.length; i++)
      if ((messages[i] as Message).role === "assistant") assistants.push(i);
    this.assistants = assistants;
    this.built = new Array(assistants.length);
    this.resolved = trajectory.outcome.resolved;
    this.keyOptions = keyOptions;
    this.keys = new Array(assistants.length);
    this.observations = new Array(assistants.length);
    this.rawObservations = new Array(assistants.length);
  }

  /** Whether keys include the thought (`--key-thought`). */
  get keyThought(): boolean {
    return this.keyOptions.keyThought === true;
  }

  get id(): string {
    return this.trajectory.id;
  }

  get length(): number {
    return this.assistants.length;
  }

  /** Every step (builds those not built yet). */
  get steps(): Step[] {
    const out: Step[] = [];
    for (let i = 0; i < this.assistants.length; i++) out.push(this.step(i));
    return out;
  }

  /** The tool names of step `i` from its message, without building the step. */
  signature(i: number): string {
    const message = this.trajectory.messages[this.assistants[i] as number] as Message;
    const calls = message.role === "assistant" ? message.tool_calls : undefined;
    if (!calls || calls.length === 0) return "";
    return calls.length === 1
      ? (calls[0]?.function.name ?? "")
      : calls.map((c) => c.function.name).join("\u0000");
  }

  /** Canonical action key of step `i` (keys.ts). */
  key(i: number): string {
    let key = this.keys[i];
    if (key === undefined) {
      key = actionKey(this.step(i), this.keyOptions);
      this.keys[i] = key;
    }
    return key;
  }

  /** Normalised observation hash of step `i` (observation.ts). */
  observation(i: number): string {
    let hash = this.observations[i];
    if (hash === undefined) {
      hash = observationHash(this.step(i));
      this.observations[i] = hash;
    }
    return hash;
  }

  /** Hash of step `i`'s observations as they are (a cheap first comparison). */
  rawObservation(i: number): string {
    let hash = this.rawObservations[i];
    if (hash === undefined) {
      hash = rawObservationHash(this.step(i));
      this.rawObservations[i] = hash;
    }
    return hash;
  }

  step(i: number): Step {
    let step = this.built[i];
    if (step === undefined) {
      const start = this.assistants[i];
      if (start === undefined) throw new RangeError(`trajectory ${this.id} has no step ${i}`);
      const end = this.assistants[i + 1] ?? this.trajectory.messages.length;
      const local = stepsOfMessages(this.trajectory.messages.slice(start, end))[0] as Step;
      // Indices are relative to the slice: make them indices of the whole conversation.
      step = {
        ...local,
        index: i,
        messageIndex: start,
        observations: local.observations.map((o) => ({ ...o, messageIndex: o.messageIndex + start })),
      };
      this.built[i] = step;
    }
    return step;
  }

  /** The assistant message of step `i`, exactly as stored. */
  assistantMessage(i: number): Message {
    return this.trajectory.messages[this.step(i).messageIndex] as Message;
  }

  /** The messages before step `i`'s assistant message (the context the model acted in). */
  prefix(i: number): Message[] {
    const end = this.assistants[i] ?? this.trajectory.messages.length;
    return this.trajectory.messages.slice(0, end);
  }

  /**
   * The key of what the model was given before its first action: the tools and the messages
   * before the first assistant message, with volatile content normalised. Trajectories of one
   * task with different prompts never share a tree path.
   */
  promptKey(): string {
    if (this.prompt === undefined) {
      const end = this.assistants[0] ?? this.trajectory.messages.length;
      const messages = this.trajectory.messages.slice(0, end);
      const tools = this.trajectory.tools.map((t) => t.function.name).sort();
      // Samples of one task nearly always share the prompt byte for byte: normalise it once.
      const raw = this.promptCache ? rawPromptHash(tools, messages) : "";
      const known = this.promptCache?.get(raw);
      if (known !== undefined) {
        this.prompt = known;
      } else {
        const prompt = messages.map((m) => [m.role, normaliseObservation(contentText(m.content))]);
        this.prompt = shortHash(JSON.stringify([tools, prompt]));
        this.promptCache?.set(raw, this.prompt);
      }
    }
    return this.prompt;
  }
}
