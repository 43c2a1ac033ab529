import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BaseWorkspace, prepareBase, removeWorkspace } from "../sandbox/workspace.js";
import type { Task } from "../schema/task.js";

/**
 * Prepared base workspaces, one per task, built on first use and shared by every validation
 * of that task (each gets a cheap `git clone --local` copy that hard-links the object store).
 * A base is removed as soon as the last validation of its task is done, so disk use is bounded
 * by the tasks in flight, not by the corpus.
 */
export class BasePool {
  private readonly bases = new Map<string, Promise<BaseWorkspace>>();
  private readonly pending = new Map<string, number>();
  /** Bases built (a figure for the summary: the rebuilds the pool saved). */
  built = 0;

  constructor(
    private readonly root: string,
    private readonly reposDir?: string,
  ) {}

  /** Announce how many validations will use a task's base. */
  expect(taskId: string, count = 1): void {
    this.pending.set(taskId, (this.pending.get(taskId) ?? 0) + count);
  }

  /**
   * True when this is the only validation left for a task whose base is not built yet: it may
   * then run in the base itself (no copy), which `release` removes afterwards.
   */
  soleUse(taskId: string): boolean {
    return (this.pending.get(taskId) ?? 0) === 1 && !this.bases.has(taskId);
  }

  get(task: Task): Promise<BaseWorkspace> {
    let base = this.bases.get(task.instance_id);
    if (!base) {
      this.built++;
      base = prepareBase(task, { root: this.root, repoPath: this.repoPathOf(task) });
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
    const ws = base ? await base.catch(() => null) : null;
    if (ws) await removeWorkspace(ws.dir);
  }

  async close(): Promise<void> {
    for (const [id, base] of this.bases) {
      this.bases.delete(id);
      const ws = await base.catch(() => null);
      if (ws) await removeWorkspace(ws.dir);
    }
  }

  /** True when a local clone of the task's repository is there. */
  hasRepo(task: Task): boolean {
    const path = this.repoPathOf(task);
    return path !== undefined && existsSync(path);
  }

  /** A local clone of the task's repository under `reposDir`: owner/name, owner__name or name. */
  private repoPathOf(task: Task): string | undefined {
    if (!this.reposDir || !task.repo) return undefined;
    const [owner, name] = task.repo.split("/");
    const candidates = [task.repo, `${owner}__${name}`, name ?? task.repo].map((p) =>
      join(this.reposDir!, p),
    );
    return candidates.find((p) => existsSync(p)) ?? candidates[0];
  }
}
