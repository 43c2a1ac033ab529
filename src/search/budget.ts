import { modelTurns } from "../schema/steps.js";
import type { Trajectory } from "../schema/trajectory.js";

/**
 * Budget accounting of the tree search (docs/search.md). The unit is the model turn: an
 * assistant message the model generated (`modelTurns`); replayed turns cost nothing. The
 * budget is per task.
 */

/** Root episodes a task's search starts with (fewer when the budget is under two samples' worth). */
export const INITIAL_SAMPLES = 2;

/**
 * Root episodes a task's search starts with: the same for every budget, so that the search is
 * anytime: with the same seed, a larger budget's run begins with exactly the episodes of a
 * smaller one (the method check's matched budgets cut one run at each budget).
 */
export function initialSamples(samples: number): number {
  return Math.max(1, Math.min(samples, INITIAL_SAMPLES));
}

/**
 * The default budget of a task: `samples` times the mean model turns of its initial root
 * episodes, i.e. what `samples` independent episodes would cost, estimated from the first ones.
 */
export function defaultBudget(samples: number, roots: readonly Trajectory[]): number {
  if (roots.length === 0) return 0;
  const mean = turnsUsed(roots) / roots.length;
  return Math.ceil(samples * mean);
}

/** Model turns spent on these trajectories. */
export function turnsUsed(trajectories: readonly Trajectory[]): number {
  return trajectories.reduce((n, t) => n + modelTurns(t), 0);
}
