import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";

/** RUN_DIR/manifest.json: what a run is, so that a restart continues the same run. */
export interface RunManifest {
  schema_version: "sealign.collect-run/1";
  run_id: string;
  created_at: string;
  sealign_version: string;
  node_version: string;
  tasks_file: string;
  tasks_sha256: string;
  task_count: number;
  model: string;
  samples: number;
  /** Base seed; each episode's seed is derived from it, the task id and the sample index. */
  seed: number;
  sampling: Record<string, unknown>;
  /** Everything else of the configuration (limits, prompts, sandbox). */
  config: Record<string, unknown>;
  /** Each resume of the run: when, and how many episodes were already done. */
  resumes: { at: string; done: number; sealign_version: string }[];
}

export const MANIFEST_FILE = "manifest.json";
export const TRAJECTORIES_FILE = "trajectories.jsonl";

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function readManifest(runDir: string): Promise<RunManifest | null> {
  const path = join(runDir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(await readFile(path, "utf8")) as RunManifest;
  } catch (error) {
    throw new InputError(`unreadable run manifest: ${(error as Error).message}`, { file: path });
  }
}

export async function writeManifest(runDir: string, manifest: RunManifest): Promise<void> {
  await writeFileAtomic(join(runDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * A restart must continue the same run: same tasks, model, sampling and seed. More samples
 * than before is allowed (the run is extended); anything else is refused, naming the field.
 */
export function checkResumable(previous: RunManifest, next: RunManifest, runDir: string): void {
  const file = join(runDir, MANIFEST_FILE);
  const same = (field: keyof RunManifest) => JSON.stringify(previous[field]) === JSON.stringify(next[field]);
  for (const field of ["tasks_sha256", "model", "seed", "sampling"] as const) {
    if (!same(field)) {
      throw new InputError(
        `this run directory holds a different run (${field}: ${JSON.stringify(previous[field])} there, ${JSON.stringify(next[field])} now); use another -o or the same settings`,
        { file, field },
      );
    }
  }
  // a tree search's decisions follow from its strategy, budget and samples: a change would
  // make the recorded decisions disagree with the recomputed ones (docs/search.md)
  const strategy = (m: RunManifest) => m.config["strategy"] ?? "independent";
  const search = (m: RunManifest) =>
    JSON.stringify({
      strategy: strategy(m),
      budget: m.config["budget"] ?? null,
      samples: strategy(m) === "tree" ? m.samples : null,
    });
  if (search(previous) !== search(next))
    throw new InputError(
      `this run directory holds a different run (search ${search(previous)} there, ${search(next)} now); use another -o or the same --strategy, --budget and --samples`,
      { file, field: "config.strategy" },
    );
}

/** The seed of one episode: stable across restarts and independent of scheduling order. */
export function episodeSeed(baseSeed: number, taskId: string, sampleIndex: number): number {
  const digest = createHash("sha256").update(`${baseSeed}\0${taskId}\0${sampleIndex}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}
