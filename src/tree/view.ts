import { contentText } from "../schema/content.js";
import { type Step, steps } from "../schema/steps.js";
import type { Message, Trajectory } from "../schema/trajectory.js";
import { type ActionKeyOptions, actionKey } from "./keys.js";
import { normaliseObservation, observationHash, rawObservationHash, shortHash } from "./observation.js";

/**
 * A trajectory as the tree sees it: its steps, its outcome, and its action keys and
 * observation hashes computed on first use and cached. Keys are computed lazily because most
 * steps of a corpus sit below a divergence, where no other trajectory is compared with them.
 */
export class TrajectoryView {
  readonly trajectory: Trajectory;
  /** Position among the task's trajectories in input order (ties are broken by it). */
  readonly index: number;
  readonly steps: Step[];
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
    this.steps = steps(trajectory);
    this.resolved = trajectory.outcome.resolved;
    this.keyOptions = keyOptions;
    this.keys = new Array(this.steps.length);
    this.observations = new Array(this.steps.length);
    this.rawObservations = new Array(this.steps.length);
  }

  /** Whether keys include the thought (`--key-thought`). */
  get keyThought(): boolean {
    return this.keyOptions.keyThought === true;
  }

  get id(): string {
    return this.trajectory.id;
  }

  get length(): number {
    return this.steps.length;
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
    const step = this.steps[i];
    if (step === undefined) throw new RangeError(`trajectory ${this.id} has no step ${i}`);
    return step;
  }

  /** The assistant message of step `i`, exactly as stored. */
  assistantMessage(i: number): Message {
    return this.trajectory.messages[this.step(i).messageIndex] as Message;
  }

  /** The messages before step `i`'s assistant message (the context the model acted in). */
  prefix(i: number): Message[] {
    const end = i < this.steps.length ? this.step(i).messageIndex : this.trajectory.messages.length;
    return this.trajectory.messages.slice(0, end);
  }

  /**
   * The key of what the model was given before its first action: the tools and the messages
   * before the first assistant message, with volatile content normalised. Trajectories of one
   * task with different prompts never share a tree path.
   */
  promptKey(): string {
    if (this.prompt === undefined) {
      const end =
        this.steps.length > 0 ? (this.steps[0] as Step).messageIndex : this.trajectory.messages.length;
      const messages = this.trajectory.messages.slice(0, end);
      const tools = this.trajectory.tools.map((t) => t.function.name).sort();
      // Samples of one task nearly always share the prompt byte for byte: normalise it once.
      const raw = this.promptCache
        ? shortHash(JSON.stringify([tools, messages.map((m) => [m.role, m.content])]))
        : "";
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
