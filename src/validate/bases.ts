import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Runtime, TaskBase } from "../runtime/types.js";
import type { Task } from "../schema/task.js";

/**
 * Prepared task bases, one per task, built by the runtime on first use and shared by every
 * validation of that task (each opens its own environment from it). A base is released as soon
 * as the last validation of its task is done, so disk use is bounded by the tasks in flight,
 * not by the corpus.
 */
export class BasePool {
  private readonly bases = new Map<string, Promise<TaskBase>>();
  private readonly pending = new Map<string, number>();
  /** Bases built (a figure for the summary: the rebuilds the pool saved). */
  built = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly reposDir?: string,
  ) {}

  /** Announce how many validations will use a task's base. */
  expect(taskId: string, count = 1): void {
    this.pending.set(taskId, (this.pending.get(taskId) ?? 0) + count);
  }

  get(task: Task): Promise<TaskBase> {
    let base = this.bases.get(task.instance_id);
    if (!base) {
      this.built++;
      base = this.runtime.prepare(task);
      this.bases.set(task.instance_id, base);
    }
    return base;
  }

  /** One validation of the task is over; the base goes when none is left. */
  async release(taskId: string): Promise<void> {
    const left = (this.pending.get(taskId) ?? 1) - 1;
    this.pending.set(taskId, left);
    if (left > 0) return;
    const base = this.bases.get(taskId);
    this.bases.delete(taskId);
    const prepared = base ? await base.catch(() => null) : null;
    if (prepared) await this.runtime.release(prepared);
  }

  async close(): Promise<void> {
    for (const [id, base] of this.bases) {
      this.bases.delete(id);
      const prepared = await base.catch(() => null);
      if (prepared) await this.runtime.release(prepared);
    }
  }

  /** True when a local clone of the task's repository is there. */
  hasRepo(task: Task): boolean {
    const path = repoPathIn(this.reposDir, task);
    return path !== undefined && existsSync(path);
  }
}

/** A local clone of the task's repository under `reposDir`: owner/name, owner__name or name. */
export function repoPathIn(reposDir: string | undefined, task: Task): string | undefined {
  if (!reposDir || !task.repo) return undefined;
  const [owner, name] = task.repo.split("/");
  const candidates = [task.repo, `${owner}__${name}`, name ?? task.repo].map((p) => join(reposDir, p));
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}
