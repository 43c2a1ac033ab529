import type { Step } from "../schema/steps.js";
import { type ActionKeyOptions, actionKey, toolSignature } from "./keys.js";
import { observationHash } from "./observation.js";

export interface RepeatOptions extends ActionKeyOptions {
  /**
   * Also require the observations to repeat (no visible progress). Off by default: the
   * paper's "stuck in loop" is the exact same action `times` times in a row.
   */
  sameObservation?: boolean;
  /** Where keys are already cached (TrajectoryView.key); computed from the step otherwise. */
  keyOf?: (index: number) => string;
  /** Likewise for observation hashes. */
  observationOf?: (index: number) => string;
}

/**
 * The index of the step that completes the first run of `times` identical actions in a row
 * (canonical action keys, see keys.ts), or -1 when there is none. This is the paper's "stuck
 * in loop" rule (same action 3 times in a row); collect and eval reuse it.
 */
export function firstRepeatedAction(steps: readonly Step[], times = 3, options: RepeatOptions = {}): number {
  if (times < 2) throw new RangeError(`times must be at least 2, got ${times}`);
  const keyOf = options.keyOf ?? ((i: number) => actionKey(steps[i] as Step, options));
  const observationOf = options.observationOf ?? ((i: number) => observationHash(steps[i] as Step));
  let run = 1;
  let previousKey: string | null = null;
  let previousObs: string | null = null;
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i] as Step;
    const before = steps[i - 1] as Step;
    // Keys are only computed where the tool names already agree: most steps differ there.
    if (toolSignature(step) !== toolSignature(before)) {
      run = 1;
      previousKey = null;
      continue;
    }
    previousKey ??= keyOf(i - 1);
    const key = keyOf(i);
    let same = key === previousKey;
    let obs: string | null = null;
    if (same && options.sameObservation) {
      previousObs ??= observationOf(i - 1);
      obs = observationOf(i);
      same = obs === previousObs;
    }
    run = same ? run + 1 : 1;
    if (run >= times) return i;
    previousKey = key;
    previousObs = obs;
  }
  return -1;
}

/** True when some action is repeated `times` times in a row (default 3, the paper's rule). */
export function repeatsSameAction(steps: readonly Step[], times = 3, options: RepeatOptions = {}): boolean {
  return firstRepeatedAction(steps, times, options) !== -1;
}
