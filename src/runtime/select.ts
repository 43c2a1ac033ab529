/**
 * Which runtime a command's tasks run on (`--runtime local|docker`, or the default), and making
 * it. The default: `local` when every task can be set up on the host (its repository inline, or
 * a local clone given with --repos / --repo-path); otherwise `docker` when a daemon answers;
 * otherwise an error that names both ways.
 */
import { InputError } from "../errors.js";
import { isInlineTask, type Task } from "../schema/task.js";
import { DockerRuntime, type DockerRuntimeOptions, dockerAnswers } from "./docker.js";
import { LocalRuntime, type LocalRuntimeOptions } from "./local.js";
import type { Runtime } from "./types.js";

export const RUNTIME_NAMES = ["local", "docker"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** The `--runtime` value, checked. */
export function parseRuntimeName(value: string | undefined, flag = "--runtime"): RuntimeName | undefined {
  if (value === undefined) return undefined;
  if ((RUNTIME_NAMES as readonly string[]).includes(value)) return value as RuntimeName;
  throw new InputError(`unknown runtime ${JSON.stringify(value)}; use one of ${RUNTIME_NAMES.join(", ")}`, {
    field: flag,
  });
}

export interface RuntimeChoice {
  /** What the user asked for (undefined: choose). */
  requested?: RuntimeName;
  /** True when the task has a local environment: its repository inline or a local clone. */
  hasLocalRepository: (task: Task) => boolean;
  /** Checks for a daemon (default: a ping of DOCKER_HOST / the local socket). */
  dockerAnswers?: () => Promise<boolean>;
}

/** The runtime the tasks run on; an InputError when none can run them. */
export async function chooseRuntime(tasks: Task[], choice: RuntimeChoice): Promise<RuntimeName> {
  if (choice.requested) return choice.requested;
  const without = tasks.filter((t) => !isInlineTask(t) && !choice.hasLocalRepository(t));
  if (without.length === 0) return "local";
  if (await (choice.dockerAnswers ?? (() => dockerAnswers()))()) return "docker";
  const first = without[0] as Task;
  throw new InputError(
    `${without.length} repository task(s) (first: ${first.instance_id}) have no local environment and no Docker daemon answers at ${process.env.DOCKER_HOST || "unix:///var/run/docker.sock"}: either start one (scripts/setup-docker.sh) and use --runtime docker with the instance images (sealign images build), or give local clones with --repos DIR and use --runtime local`,
    { field: "--runtime" },
  );
}

/** A runtime of that name. */
export function makeRuntime(
  name: RuntimeName,
  options: { local?: LocalRuntimeOptions; docker?: DockerRuntimeOptions } = {},
): Runtime {
  return name === "docker" ? new DockerRuntime(options.docker) : new LocalRuntime(options.local);
}
