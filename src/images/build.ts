/**
 * `sealign images build`: SWE-bench-compatible instance images for a task file, without any image
 * registry (base -> python -> env -> instance, src/images/layers.ts), N at a time, each instance's
 * failure recorded and the others built. Resumable: layers already built with the same recipe are
 * reused, so a second run after a kill builds only what is missing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { InputError } from "../errors.js";
import type { Task } from "../schema/task.js";
import { type HarnessSpec, harnessSpecs, type SwebenchInstance } from "../swebench/harness.js";
import { type BaseImageOptions, ensureBaseImage } from "./base.js";
import { LayerBuilder, type LayerImage } from "./layers.js";
import { instanceImageName } from "./naming.js";

export interface BuildImagesOptions {
  /** Folder of local clones: `owner/name`, `owner__name`, `name`, each optionally `.git`. */
  reposDir: string;
  jobs?: number;
  /** Image namespace (default `swebench`, the harness's). */
  namespace?: string;
  force?: boolean;
  docker?: Docker;
  base?: BaseImageOptions;
  onProgress?: (line: string) => void;
}

/** One instance's outcome. */
export interface InstanceBuildResult {
  instance_id: string;
  image: string;
  ok: boolean;
  error?: string;
  /** True when the instance layer was reused (same recipe already built). */
  reused?: boolean;
  durationMs: number;
  env?: string;
  python?: string;
}

export interface BuildImagesReport {
  swebenchVersion: string;
  base: { image: string; built: boolean; sizeBytes: number; durationMs: number };
  instances: InstanceBuildResult[];
  /** Every layer image once (shared layers counted once), with what each adds. */
  layers: LayerImage[];
  /** Disk of the base plus each distinct layer's own bytes. */
  totalBytes: number;
}

/** A task's local clone under `reposDir`, or an error naming the paths tried. */
export function repoDirOf(reposDir: string, repo: string): string {
  const [owner, name] = repo.split("/");
  const stems = [repo, `${owner}__${name}`, name ?? repo];
  const candidates = stems.flatMap((s) => [join(reposDir, s), join(reposDir, `${s}.git`)]);
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new InputError(
      `no local clone of ${repo} in ${reposDir} (tried ${candidates.map((c) => c.slice(reposDir.length + 1)).join(", ")})`,
      {
        field: "repo",
      },
    );
  return found;
}

export async function buildInstanceImages(
  tasks: Task[],
  options: BuildImagesOptions,
): Promise<BuildImagesReport> {
  const progress = options.onProgress ?? (() => {});
  const swebTasks = tasks.filter((t) => t.repo && t.base_commit && t.test_patch !== undefined);
  if (swebTasks.length === 0)
    throw new InputError("no SWE-bench instances (repo, base_commit, test_patch) in the task file");
  const repoDirs = new Map<string, string>();
  for (const t of swebTasks)
    if (!repoDirs.has(t.repo)) repoDirs.set(t.repo, repoDirOf(options.reposDir, t.repo));

  const docker = options.docker ?? new Docker();
  const base = await ensureBaseImage(docker, {
    ...options.base,
    onProgress: options.base?.onProgress ?? progress,
  });
  progress(
    `base ${base.image}: ${base.built ? `built in ${(base.durationMs / 1000).toFixed(0)} s` : "up to date"}`,
  );

  const specs = await harnessSpecs(
    swebTasks.map((t) => ({ instance: t as unknown as SwebenchInstance, repo_dir: repoDirs.get(t.repo) })),
  );
  const builder = new LayerBuilder(docker, { base, force: options.force, onProgress: progress });
  const layers = new Map<string, LayerImage>();
  const results: InstanceBuildResult[] = new Array(swebTasks.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < swebTasks.length) {
      const i = next++;
      const task = swebTasks[i] as Task;
      const image = instanceImageName(task.instance_id, { namespace: options.namespace });
      const started = Date.now();
      const answer = specs.answers[i];
      try {
        if (!answer?.ok) throw new Error(`the swebench harness has no spec: ${answer?.error ?? "no answer"}`);
        const spec: HarnessSpec = answer.value;
        const built = await builder.instanceImage({
          spec,
          baseCommit: task.base_commit,
          repoDir: repoDirs.get(task.repo) as string,
          image,
        });
        const python = await builder.pythonLayer(spec.python as string);
        for (const layer of [python, built.env, built.instance]) layers.set(layer.image, layer);
        results[i] = {
          instance_id: task.instance_id,
          image,
          ok: true,
          reused: !built.instance.built,
          durationMs: Date.now() - started,
          env: built.env.image,
          python: python.image,
        };
      } catch (error) {
        results[i] = {
          instance_id: task.instance_id,
          image,
          ok: false,
          error: (error as Error).message,
          durationMs: Date.now() - started,
        };
      }
      done++;
      const r = results[i] as InstanceBuildResult;
      progress(
        `[${done}/${swebTasks.length}] ${r.instance_id}: ${r.ok ? (r.reused ? "up to date" : `built in ${(r.durationMs / 1000).toFixed(1)} s`) : `FAILED: ${r.error?.split("\n")[0]}`}`,
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.jobs ?? 1, swebTasks.length)) }, worker),
  );
  const distinct = [...layers.values()];
  return {
    swebenchVersion: specs.swebenchVersion,
    base: { image: base.image, built: base.built, sizeBytes: base.sizeBytes, durationMs: base.durationMs },
    instances: results,
    layers: distinct,
    totalBytes: base.sizeBytes + distinct.reduce((sum, l) => sum + l.ownBytes, 0),
  };
}
