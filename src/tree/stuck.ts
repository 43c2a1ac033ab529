import { type ActionKeyOptions, sameAction } from "../schema/action-key.js";
import type { Step } from "../schema/steps.js";
import { observationHash } from "./observation.js";

export interface RepeatOptions extends ActionKeyOptions {
  /**
   * Also require the observations to repeat (no visible progress). Off by default: the
   * paper's "stuck in loop" is the exact same action `times` times in a row.
   */
  sameObservation?: boolean;
  /** Where observation hashes are already cached (TrajectoryView.observation). */
  observationOf?: (index: number) => string;
}

/** Steps read one at a time (TrajectoryView), with a cheap tool-name signature per step. */
export interface StepSource {
  readonly length: number;
  step(index: number): Step;
  /** Tool names of a step: steps whose signatures differ are different actions. */
  signature?(index: number): string;
}

/**
 * The index of the step that completes the first run of `times` identical actions in a row
 * (canonical action keys, see keys.ts), or -1 when there is none. This is the paper's "stuck
 * in loop" rule (same action 3 times in a row); collect and eval reuse it.
 */
export function firstRepeatedAction(
  steps: readonly Step[] | StepSource,
  times = 3,
  options: RepeatOptions = {},
): number {
  if (times < 2) throw new RangeError(`times must be at least 2, got ${times}`);
  const list = Array.isArray(steps) ? (steps as readonly Step[]) : null;
  const source = steps as StepSource;
  const at = list ? (i: number) => list[i] as Step : (i: number) => source.step(i);
  const signature = list ? null : source.signature?.bind(source);
  const observationOf = options.observationOf ?? ((i: number) => observationHash(at(i)));
  let run = 1;
  for (let i = 1; i < steps.length; i++) {
    if (signature && signature(i - 1) !== signature(i)) {
      run = 1;
      continue;
    }
    // Compared structurally (keys.ts sameAction): equal exactly when the canonical keys are.
    let same = sameAction(at(i - 1), at(i), options);
    if (same && options.sameObservation) same = observationOf(i - 1) === observationOf(i);
    run = same ? run + 1 : 1;
    if (run >= times) return i;
  }
  return -1;
}

/** True when some action is repeated `times` times in a row (default 3, the paper's rule). */
export function repeatsSameAction(
  steps: readonly Step[] | StepSource,
  times = 3,
  options: RepeatOptions = {},
): boolean {
  return firstRepeatedAction(steps, times, options) !== -1;
}
