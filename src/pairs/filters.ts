import type { Message } from "../schema/trajectory.js";
import { firstRepeatedAction } from "../tree/stuck.js";
import type { TrajectoryView } from "../tree/view.js";

/**
 * The paper's filters (METHOD.md section 1, step 3), applied per task in this order, each
 * switchable and counted. Trajectories without an outcome are set aside first: they cannot be
 * scored.
 *
 * 1. duplicates: a trajectory whose `messages` and outcome equal an earlier one's exactly
 *    (same JSON after validation), tool-call ids aside, is dropped; the first is kept. Call
 *    ids are made up per request (providers, simulators, servers), and the action keys that
 *    build the tree ignore them: two runs that differ only in them are the same run.
 * 2. stuck: a trajectory that repeats the same action (canonical key) `stuckRepeats` times
 *    in a row (default 3, the paper's rule) is dropped.
 * 3. isolated: a trajectory whose first action no other remaining trajectory of the task
 *    (with the same prompt) shares, i.e. that shares nothing but the prompt, is dropped.
 */
export interface FilterOptions {
  dedupe?: boolean;
  stuck?: boolean;
  /** Identical actions in a row that make a trajectory stuck (default 3). */
  stuckRepeats?: number;
  isolated?: boolean;
}

export interface FilterResult {
  kept: TrajectoryView[];
  unscored: TrajectoryView[];
  duplicates: TrajectoryView[];
  stuck: TrajectoryView[];
  isolated: TrajectoryView[];
}

export function resolveFilterOptions(options: FilterOptions = {}): Required<FilterOptions> {
  const resolved = {
    dedupe: options.dedupe ?? true,
    stuck: options.stuck ?? true,
    stuckRepeats: options.stuckRepeats ?? 3,
    isolated: options.isolated ?? true,
  };
  if (!Number.isInteger(resolved.stuckRepeats) || resolved.stuckRepeats < 2)
    throw new RangeError("stuck repeats must be an integer >= 2");
  return resolved;
}

/**
 * A cheap fingerprint that equal trajectories share: outcome, message count and the content
 * length of up to 9 messages spread over the conversation. Only trajectories with equal
 * fingerprints are compared in full, so a collision costs time, never a wrong answer.
 */
function fingerprint(view: TrajectoryView): string {
  const messages = view.trajectory.messages;
  const n = messages.length;
  let print = `${view.resolved}:${n}`;
  const stride = Math.max(1, Math.floor(n / 8));
  for (let i = 0; i < n; i += stride) print += `:${contentLength(messages[i] as Message)}`;
  if (n > 0) print += `:${contentLength(messages[n - 1] as Message)}`;
  return print;
}

/**
 * The messages as JSON with each tool-call id replaced by its order of appearance (`#0`, `#1`,
 * ...), in the assistant's calls and in the tool messages that answer them alike.
 */
function canonicalMessages(messages: readonly Message[]): string {
  const ids = new Map<string, string>();
  const canonical = (id: string) => {
    let mapped = ids.get(id);
    if (mapped === undefined) {
      mapped = `#${ids.size}`;
      ids.set(id, mapped);
    }
    return mapped;
  };
  return JSON.stringify(
    messages.map((m) => {
      if (m.role === "assistant" && m.tool_calls)
        return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, id: canonical(c.id) })) };
      if (m.role === "tool") return { ...m, tool_call_id: canonical(m.tool_call_id) };
      return m;
    }),
  );
}

function contentLength(message: Message): number {
  let length =
    typeof message.content === "string" ? message.content.length : JSON.stringify(message.content).length;
  if (message.role === "assistant")
    for (const call of message.tool_calls ?? []) length += call.function.arguments.length;
  return length;
}

/** Apply the filters to one task's trajectories (input order is kept). */
export function filterTrajectories(
  views: readonly TrajectoryView[],
  options: FilterOptions = {},
): FilterResult {
  const o = resolveFilterOptions(options);
  const result: FilterResult = { kept: [], unscored: [], duplicates: [], stuck: [], isolated: [] };
  let remaining: TrajectoryView[] = [];
  for (const view of views) (view.resolved === null ? result.unscored : remaining).push(view);

  if (o.dedupe && remaining.length > 1) {
    const seen = new Map<string, { view: TrajectoryView; full?: string }[]>();
    const unique: TrajectoryView[] = [];
    for (const view of remaining) {
      const print = fingerprint(view);
      const same = seen.get(print);
      if (same) {
        const full = canonicalMessages(view.trajectory.messages);
        let duplicate = false;
        for (const other of same) {
          other.full ??= canonicalMessages(other.view.trajectory.messages);
          if (other.full === full) {
            duplicate = true;
            break;
          }
        }
        if (duplicate) {
          result.duplicates.push(view);
          continue;
        }
        same.push({ view, full });
      } else {
        seen.set(print, [{ view }]);
      }
      unique.push(view);
    }
    remaining = unique;
  }

  if (o.stuck) {
    const moving: TrajectoryView[] = [];
    for (const view of remaining) {
      const stuck = firstRepeatedAction(view, o.stuckRepeats, { keyThought: view.keyThought }) !== -1;
      (stuck ? result.stuck : moving).push(view);
    }
    remaining = moving;
  }

  if (o.isolated) {
    const firstActions = new Map<string, number>();
    const firstOf = (view: TrajectoryView) =>
      view.length === 0 ? null : `${view.promptKey()}\u0000${view.key(0)}`;
    for (const view of remaining) {
      const first = firstOf(view);
      if (first !== null) firstActions.set(first, (firstActions.get(first) ?? 0) + 1);
    }
    const shared: TrajectoryView[] = [];
    for (const view of remaining) {
      const first = firstOf(view);
      (first !== null && (firstActions.get(first) ?? 0) > 1 ? shared : result.isolated).push(view);
    }
    remaining = shared;
  }
  result.kept = remaining;
  return result;
}
