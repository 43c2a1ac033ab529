import { actionKey } from "../schema/action-key.js";
import type { Step } from "../schema/steps.js";
import { firstRepeatedAction } from "../tree/stuck.js";

/**
 * What the episode loop knows about each step beyond the messages: whether each observation
 * was an error, and for shell commands the exit code (OpenHands compares a command observation
 * by command and exit code only, not by its text).
 */
export interface StepFacts {
  /** One entry per observation of the step. */
  observations: { isError: boolean; exitCode?: number | null; tool: string | null }[];
}

/** The OpenHands stuck rules (openhands/controller/stuck.py), as trajectory labels. */
export const STUCK_LABELS = {
  repeatedActionObservation: "stuck:repeated_action_observation",
  repeatedActionError: "stuck:repeated_action_error",
  monologue: "stuck:monologue",
  alternatingPattern: "stuck:action_observation_pattern",
  condensation: "stuck:context_window_condensation",
  /** The paper's rule: the same action 3 times in a row. */
  paper: "stuck:paper_repeated_action",
} as const;

function observationKey(step: Step, facts: StepFacts | undefined): string {
  return JSON.stringify(
    step.observations.map((obs, i) => {
      const fact = facts?.observations[i];
      const call = step.calls.find((c) => c.id === obs.toolCallId);
      if (fact?.tool === "execute_bash" && call) {
        return ["cmd", String(call.arguments?.command ?? call.argumentsRaw), fact.exitCode ?? null];
      }
      return ["text", obs.content];
    }),
  );
}

function allEqual(values: string[]): boolean {
  return values.every((v) => v === values[0]);
}

/**
 * The OpenHands stuck rules that hold at the end of `steps` (the history of this episode since
 * the task message). Rule 5 (10+ context condensations in a row) never fires here: sealign's
 * loop does not condense context, it ends the episode at the context budget instead.
 */
export function openHandsStuckLabels(steps: readonly Step[], facts: readonly StepFacts[]): string[] {
  const labels: string[] = [];
  const n = steps.length;
  const key = (i: number) => actionKey(steps[i] as Step);
  const obs = (i: number) => observationKey(steps[i] as Step, facts[i]);
  const last = (k: number) => Array.from({ length: k }, (_, j) => n - k + j);
  if (n >= 4) {
    const idx = last(4);
    if (allEqual(idx.map(key)) && allEqual(idx.map(obs))) labels.push(STUCK_LABELS.repeatedActionObservation);
  }
  if (n >= 3) {
    const idx = last(3);
    const errors = idx.every((i) => {
      const f = facts[i];
      return f !== undefined && f.observations.length > 0 && f.observations.every((o) => o.isError);
    });
    if (allEqual(idx.map(key)) && errors) labels.push(STUCK_LABELS.repeatedActionError);
    // a text-only turn gets the scaffold's nudge, not an observation: three equal ones in a row
    if (idx.every((i) => (steps[i] as Step).calls.length === 0) && allEqual(idx.map(key))) {
      labels.push(STUCK_LABELS.monologue);
    }
  }
  if (n >= 6) {
    const idx = last(6);
    const a = idx.filter((_, j) => j % 2 === 0);
    const b = idx.filter((_, j) => j % 2 === 1);
    if (
      allEqual(a.map(key)) &&
      allEqual(b.map(key)) &&
      allEqual(a.map(obs)) &&
      allEqual(b.map(obs)) &&
      key(a[0] as number) !== key(b[0] as number)
    ) {
      labels.push(STUCK_LABELS.alternatingPattern);
    }
  }
  return labels;
}

/** The paper's rule: true when the last `times` actions are identical (0 disables it). */
export function paperStuck(steps: readonly Step[], times: number): boolean {
  if (times < 2 || steps.length < times) return false;
  // only the tail matters: the loop checks after every step
  return firstRepeatedAction(steps.slice(steps.length - times), times) !== -1;
}
