import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { EPISODE_DEFAULTS } from "../agent/episode.js";
import { InputError } from "../errors.js";
import { describeRule, meetsRule, type NumberRule } from "../schema/number-rule.js";
import { firstIssue } from "../schema/zod-errors.js";
import { DEFAULT_BASH_LIMITS } from "../tools/bash.js";

/**
 * `sealign collect --config collect.yaml`: the episode and collect settings, one schema that is
 * the single source of their defaults and rules. The CLI's flags set the same fields (a flag
 * given on the command line wins over the file) and show these defaults in --help; the library's
 * own defaults (EPISODE_DEFAULTS, DEFAULT_BASH_LIMITS) are where the numbers come from. Paths in
 * the file are relative to the file. docs/collect.md lists the fields.
 */

/** The rule of each number field, by its dotted path; the flag that sets a field parses by it too. */
export const COLLECT_NUMBER_RULES = {
  samples: { integer: true, min: 1 },
  budget: { integer: true, min: 1 },
  seed: { integer: true, min: 0 },
  concurrency: { integer: true, min: 1 },
  limit: { integer: true, min: 1 },
  "sampling.temperature": { min: 0 },
  "sampling.top_p": { min: 0 },
  "sampling.max_tokens": { integer: true, min: 1 },
  "provider.request_timeout_s": { min: 0 },
  "provider.retries": { integer: true, min: 0 },
  "provider.threads": { integer: true, min: 1 },
  "provider.model_context": { integer: true, min: 256 },
  "provider.max_argument_chars": { integer: true, min: 1 },
  "episode.max_turns": { integer: true, min: 1 },
  "episode.context_tokens": { integer: true, min: 1 },
  "episode.time_limit_s": { min: 0 },
  "episode.stuck_repeat": { integer: true, min: 0 },
  "episode.memory_mib": { integer: true, min: 16 },
  "episode.max_processes": { integer: true, min: 8 },
  "bash.command_timeout_s": { min: 0 },
  "bash.soft_timeout_s": { min: 0 },
  "bash.max_output_chars": { integer: true, min: 100 },
  test_timeout_s: { min: 0 },
  "queue.attempts": { integer: true, min: 1 },
} as const satisfies Record<string, NumberRule>;

export type CollectNumberField = keyof typeof COLLECT_NUMBER_RULES;

function num(field: CollectNumberField) {
  const rule: NumberRule = COLLECT_NUMBER_RULES[field];
  return z.number().refine((n) => meetsRule(n, rule), { message: `expected ${describeRule(rule)}` });
}

const path = z.string().min(1);

export const CollectConfigSchema = z
  .object({
    /** Task file (SWE-bench JSON/JSONL/Parquet, or inline tasks). Required here or as --tasks. */
    tasks: path.optional(),
    /** Model SPEC (openai:MODEL, embedded:..., sim). Required here or as --model. */
    model: z.string().min(1).optional(),
    /** Run directory. Required here or as -o. */
    output: path.optional(),
    /** Episodes per task (with strategy tree: the budget's worth in samples). */
    samples: num("samples").default(1),
    /** independent: `samples` episodes from the start; tree: branch where the task's tree is uncertain. */
    strategy: z.enum(["independent", "tree"]).default("independent"),
    /** With strategy tree: model turns per task (null: samples x the mean turns of the first episodes). */
    budget: num("budget").nullable().default(null),
    /** Base seed (each episode's seed derives from it). */
    seed: num("seed").default(0),
    /** Episodes at a time. */
    concurrency: num("concurrency").default(1),
    /** Only these instance ids. */
    instance: z.array(z.string().min(1)).optional(),
    /** Only the first N tasks. */
    limit: num("limit").optional(),
    /** Local clones of the tasks' repositories: DIR/owner/name, DIR/owner__name or DIR/name. */
    repos: path.optional(),
    /** One local clone for every task without inline files. */
    repo_path: path.optional(),
    /** local or docker (default: chosen from the tasks and the machine). */
    runtime: z.enum(["local", "docker"]).optional(),
    /** docker: instance images as <ns>/sweb.eval.x86_64.<id>:latest. */
    image_namespace: z.string().min(1).default("swebench"),
    sampling: z
      .object({
        temperature: num("sampling.temperature").optional(),
        top_p: num("sampling.top_p").optional(),
        max_tokens: num("sampling.max_tokens").optional(),
        /** auto (the model may answer in text) or required (every reply a tool call). */
        tool_choice: z.enum(["auto", "required"]).optional(),
      })
      .strict()
      .default({}),
    provider: z
      .object({
        base_url: z.string().min(1).optional(),
        api_key: z.string().min(1).optional(),
        /** Seconds per model request before it is retried. */
        request_timeout_s: num("provider.request_timeout_s").default(600),
        /** Retries of a model request on 429/5xx/time-out. */
        retries: num("provider.retries").default(4),
        /** embedded: CPU threads. */
        threads: num("provider.threads").optional(),
        /** embedded: context size in tokens. */
        model_context: num("provider.model_context").optional(),
        /** embedded with tool_choice required: cap on each string argument. */
        max_argument_chars: num("provider.max_argument_chars").optional(),
      })
      .strict()
      .default({ request_timeout_s: 600, retries: 4 }),
    episode: z
      .object({
        /** Assistant turns per episode. */
        max_turns: num("episode.max_turns").default(EPISODE_DEFAULTS.maxTurns),
        /** Context budget per episode (tokens). */
        context_tokens: num("episode.context_tokens").default(EPISODE_DEFAULTS.contextTokens),
        /** Wall-clock limit per episode (seconds). */
        time_limit_s: num("episode.time_limit_s").default(EPISODE_DEFAULTS.wallClockMs / 1000),
        /** End an episode as stuck after the same action this many times in a row (0 = never). */
        stuck_repeat: num("episode.stuck_repeat").default(EPISODE_DEFAULTS.stuckRepeat),
        /** Address-space limit per sandboxed process (MiB). */
        memory_mib: num("episode.memory_mib").optional(),
        /** Most processes at once per sandbox. */
        max_processes: num("episode.max_processes").optional(),
        /** Run agent commands WITHOUT isolation (only where bubblewrap is unavailable). */
        unsafe_no_sandbox: z.boolean().default(false),
      })
      .strict()
      .default({
        max_turns: EPISODE_DEFAULTS.maxTurns,
        context_tokens: EPISODE_DEFAULTS.contextTokens,
        time_limit_s: EPISODE_DEFAULTS.wallClockMs / 1000,
        stuck_repeat: EPISODE_DEFAULTS.stuckRepeat,
        unsafe_no_sandbox: false,
      }),
    bash: z
      .object({
        /** Hard limit per shell command (seconds). */
        command_timeout_s: num("bash.command_timeout_s").default(DEFAULT_BASH_LIMITS.hardTimeoutMs / 1000),
        /** Return a command's output so far after this many seconds without new output. */
        soft_timeout_s: num("bash.soft_timeout_s").default(DEFAULT_BASH_LIMITS.softTimeoutMs / 1000),
        /** Longest observation; longer ones lose their middle. */
        max_output_chars: num("bash.max_output_chars").default(DEFAULT_BASH_LIMITS.maxOutputChars),
      })
      .strict()
      .default({
        command_timeout_s: DEFAULT_BASH_LIMITS.hardTimeoutMs / 1000,
        soft_timeout_s: DEFAULT_BASH_LIMITS.softTimeoutMs / 1000,
        max_output_chars: DEFAULT_BASH_LIMITS.maxOutputChars,
      }),
    /** Prompt template files (placeholders as in prompts/). */
    prompts: z
      .object({ system: path.optional(), task: path.optional(), continue: path.optional() })
      .strict()
      .default({}),
    /** Run each episode's patch against the task's tests as it ends (strategy tree always does). */
    validate: z.boolean().default(false),
    /** Time limit of a task's tests with validate (seconds). */
    test_timeout_s: num("test_timeout_s").default(300),
    /** Test command for tasks that carry none (with validate). */
    test_command: z.string().min(1).optional(),
    /** Run the episodes on `sealign worker`s of a Redis queue. */
    queue: z
      .object({
        url: z.string().min(1).optional(),
        name: z.string().min(1).default("sealign"),
        /** Tries per episode job before it is recorded as an error. */
        attempts: num("queue.attempts").default(3),
      })
      .strict()
      .default({ name: "sealign", attempts: 3 }),
    /** On resume, run episodes that ended in model_error or sandbox_error again. */
    retry_errors: z.boolean().default(true),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.budget !== null && config.strategy !== "tree")
      ctx.addIssue({
        code: "custom",
        path: ["budget"],
        message: "budget counts the model turns of strategy tree; set strategy: tree too",
      });
  });

/** A resolved collect config: every default filled in, tasks / model / output present. */
export type CollectConfig = z.infer<typeof CollectConfigSchema> & {
  tasks: string;
  model: string;
  output: string;
};

/** Every default, as the schema gives them (what --help shows). */
export const COLLECT_DEFAULTS = CollectConfigSchema.parse({});

/** A value given on the command line for a config field (it wins over the file's). */
export interface CollectOverride {
  /** Dotted field path, e.g. `episode.max_turns`. */
  field: string;
  /** The flag it came from, named in errors. */
  flag: string;
  value: unknown;
}

/** The fields that hold paths: relative ones in a config file are taken from the file's folder. */
const PATH_FIELDS = [
  "tasks",
  "output",
  "repos",
  "repo_path",
  "prompts.system",
  "prompts.task",
  "prompts.continue",
];

/** The flags that give the fields a run cannot do without. */
const REQUIRED = { tasks: "--tasks", model: "--model", output: "-o, --output" } as const;

function getPath(object: Record<string, unknown>, field: string): unknown {
  let at: unknown = object;
  for (const key of field.split("."))
    at = at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

function setPath(object: Record<string, unknown>, field: string, value: unknown): void {
  const keys = field.split(".");
  let at = object;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    at[key] = next && typeof next === "object" && !Array.isArray(next) ? { ...(next as object) } : {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys.at(-1) as string] = value;
}

/** Read a collect.yaml (an InputError naming the file, and the field when one is wrong). */
export function readCollectConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new InputError("config file not found", { file });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new InputError(`malformed YAML: ${(error as Error).message}`, { file });
  }
  // An empty file is an empty config (every default).
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new InputError("a collect config is a mapping of fields (see docs/collect.md)", { file });
  return raw as Record<string, unknown>;
}

/**
 * The config of a collect run: the file's fields (when `file` is given), then the command line's
 * overrides, checked against the schema with every default filled in. A bad value is an
 * InputError naming the flag it came from, or the file and the field.
 */
export function resolveCollectConfig(
  file: string | undefined,
  overrides: readonly CollectOverride[] = [],
): CollectConfig {
  const fromFile = file === undefined ? {} : readCollectConfigFile(file);
  const base = file === undefined ? process.cwd() : dirname(resolve(file));
  const raw: Record<string, unknown> = { ...fromFile };
  for (const field of PATH_FIELDS) {
    const value = getPath(fromFile, field);
    if (typeof value === "string" && value !== "" && !isAbsolute(value))
      setPath(raw, field, resolve(base, value));
  }
  for (const { field, value } of overrides) setPath(raw, field, value);
  const result = CollectConfigSchema.safeParse(raw);
  if (!result.success) {
    const { field, message } = firstIssue(result.error);
    const override = overrides.find(
      (o) => o.field === field || field.startsWith(`${o.field}.`) || field.startsWith(`${o.field}[`),
    );
    if (override) throw new InputError(`${override.flag}: ${message}`, { field: override.flag });
    if (file !== undefined)
      throw new InputError(`invalid collect config: ${message}`, { file, field: field || undefined });
    throw new InputError(`invalid collect settings: ${message}`, { field: field || undefined });
  }
  const config = result.data;
  for (const [field, flag] of Object.entries(REQUIRED) as [keyof typeof REQUIRED, string][]) {
    if (config[field] === undefined)
      throw new InputError(
        `no ${field}: give ${flag}${file === undefined ? "" : ` or ${field}: in the config file`}`,
        file === undefined ? { field: flag } : { file, field },
      );
  }
  return config as CollectConfig;
}
