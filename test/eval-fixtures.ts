import { writeFileSync } from "node:fs";
import type { Trajectory } from "../src/schema/trajectory.js";
import { buildTrajectory } from "../src/trajectories/build.js";

/** A deterministic pseudo-random stream (mulberry32), so fixture runs are the same every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeEpisode {
  task: string;
  resolved: boolean | null;
  patch: string | null;
  turns: number;
  /** Repeat the same bash command 3 times in a row somewhere. */
  stuck?: boolean;
  toolErrors?: number;
  applied?: boolean;
  tokens?: number;
  cost?: number;
  seconds?: number;
}

/** A trajectory with `turns` assistant turns of bash calls, as collect would write it. */
export function fakeTrajectory(e: FakeEpisode, id: string): Trajectory {
  const messages: Record<string, unknown>[] = [{ role: "user", content: `fix ${e.task}` }];
  for (let i = 0; i < e.turns; i++) {
    const command = e.stuck && i >= 1 && i <= 3 ? "python3 test.py" : `cat step${i}.txt`;
    messages.push({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: `c${i}`,
          type: "function",
          function: { name: "execute_bash", arguments: JSON.stringify({ command }) },
        },
      ],
    });
    messages.push({ role: "tool", tool_call_id: `c${i}`, content: `out ${i}` });
  }
  const report =
    e.patch && e.resolved !== null
      ? { patch_exists: true, patch_successfully_applied: e.applied !== false, resolved: e.resolved }
      : null;
  return buildTrajectory({
    id,
    task_id: e.task,
    provenance: { scaffold: "sealign", model: "fake" },
    tools: [],
    messages: messages as never,
    patch: e.patch,
    outcome: { resolved: e.resolved, exit_reason: e.stuck ? "stuck" : "finished", report },
    usage: {
      tool_errors: e.toolErrors ?? 0,
      total_tokens: e.tokens ?? null,
      cost_usd: e.cost ?? null,
      seconds: e.seconds ?? null,
    },
  });
}

/**
 * A run over `tasks` with the given tendencies: a weaker "baseline" (empty patches, loops) or
 * a stronger "aligned" model, `samples` episodes per task.
 */
export function fakeRun(
  tasks: string[],
  samples: number,
  p: { resolve: number; empty: number; stuck: number; toolError: number; turns: number },
  seed: number,
): Trajectory[] {
  const rand = seeded(seed);
  const out: Trajectory[] = [];
  for (const task of tasks) {
    for (let s = 0; s < samples; s++) {
      const empty = rand() < p.empty;
      const resolved = !empty && rand() < p.resolve;
      const turns = Math.max(1, Math.round(p.turns * (0.4 + rand() * 1.2)));
      out.push(
        fakeTrajectory(
          {
            task,
            resolved,
            patch: empty ? "" : "diff --git a/main.py b/main.py\n",
            turns,
            stuck: rand() < p.stuck && turns >= 4,
            toolErrors: rand() < p.toolError ? 1 : 0,
            tokens: turns * 900,
            cost: turns * 0.002,
            seconds: turns * 3.5,
          },
          `${task}#${s}`,
        ),
      );
    }
  }
  return out;
}

export function writeRun(path: string, trajectories: Trajectory[]): string {
  writeFileSync(path, `${trajectories.map((t) => JSON.stringify(t)).join("\n")}\n`);
  return path;
}
