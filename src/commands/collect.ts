import { join } from "node:path";
import type { Command } from "commander";
import {
  COLLECT_DEFAULTS,
  COLLECT_NUMBER_RULES,
  type CollectOverride,
  resolveCollectConfig,
} from "../collect/config.js";
import { TRAJECTORIES_FILE } from "../collect/manifest.js";
import { type CollectStrategy, collect } from "../collect/run.js";
import { InputError } from "../errors.js";
import { checkInputDir, checkInputFile, ensureOutputDir } from "../io/paths.js";
import { checkQueueName, parseQueueUrl } from "../queue/connection.js";
import { parseRuntimeName } from "../runtime/select.js";
import { SEARCH_FILE } from "../search/log.js";
import { finalLines, parseNumber, shellArg } from "./options.js";

interface CollectCommandOptions {
  config?: string;
  tasks?: string;
  model?: string;
  retryErrors?: boolean;
  samples: string;
  strategy: string;
  budget?: string;
  temperature?: string;
  topP?: string;
  maxTokens?: string;
  toolChoice?: string;
  threads?: string;
  modelContext?: string;
  maxArgumentChars?: string;
  seed: string;
  concurrency: string;
  output?: string;
  baseUrl?: string;
  apiKey?: string;
  requestTimeout?: string;
  retries?: string;
  maxTurns: string;
  contextTokens: string;
  timeLimit: string;
  commandTimeout: string;
  softTimeout: string;
  maxOutputChars: string;
  stuckRepeat: string;
  memory?: string;
  maxProcesses?: string;
  systemPrompt?: string;
  taskPrompt?: string;
  continuePrompt?: string;
  instance?: string[];
  limit?: string;
  repoPath?: string;
  repos?: string;
  runtime?: string;
  imageNamespace: string;
  unsafeNoSandbox?: boolean;
  quiet?: boolean;
  validate?: boolean;
  testTimeout: string;
  testCommand?: string;
  queue?: string;
  queueName: string;
  attempts: string;
}

function toolChoice(value: string): "auto" | "required" {
  if (value !== "auto" && value !== "required") {
    throw new InputError(`--tool-choice: expected auto or required, got "${value}"`, {
      field: "--tool-choice",
    });
  }
  return value;
}

/** `--strategy` (collect, demo): one of the two ways of spending episodes. */
export function parseStrategy(value: string): CollectStrategy {
  if (value === "independent" || value === "tree") return value;
  throw new InputError(`--strategy ${JSON.stringify(value)} is not one of: independent, tree`, {
    field: "--strategy",
  });
}

/**
 * Each flag and the collect config field it sets (collect/config.ts): a number flag is parsed by
 * its field's rule, a choice by its own check, so that a bad value names the flag.
 */
const FLAG_FIELDS: readonly [
  key: Exclude<keyof CollectCommandOptions, "config" | "quiet">,
  field: string,
  parse: "number" | "text" | ((value: string) => unknown),
][] = [
  ["tasks", "tasks", "text"],
  ["model", "model", "text"],
  ["output", "output", "text"],
  ["samples", "samples", "number"],
  ["strategy", "strategy", (v) => parseStrategy(v)],
  ["budget", "budget", "number"],
  ["temperature", "sampling.temperature", "number"],
  ["topP", "sampling.top_p", "number"],
  ["maxTokens", "sampling.max_tokens", "number"],
  ["toolChoice", "sampling.tool_choice", toolChoice],
  ["seed", "seed", "number"],
  ["concurrency", "concurrency", "number"],
  ["baseUrl", "provider.base_url", "text"],
  ["apiKey", "provider.api_key", "text"],
  ["requestTimeout", "provider.request_timeout_s", "number"],
  ["retries", "provider.retries", "number"],
  ["threads", "provider.threads", "number"],
  ["modelContext", "provider.model_context", "number"],
  ["maxArgumentChars", "provider.max_argument_chars", "number"],
  ["maxTurns", "episode.max_turns", "number"],
  ["contextTokens", "episode.context_tokens", "number"],
  ["timeLimit", "episode.time_limit_s", "number"],
  ["stuckRepeat", "episode.stuck_repeat", "number"],
  ["memory", "episode.memory_mib", "number"],
  ["maxProcesses", "episode.max_processes", "number"],
  ["unsafeNoSandbox", "episode.unsafe_no_sandbox", "text"],
  ["commandTimeout", "bash.command_timeout_s", "number"],
  ["softTimeout", "bash.soft_timeout_s", "number"],
  ["maxOutputChars", "bash.max_output_chars", "number"],
  ["systemPrompt", "prompts.system", "text"],
  ["taskPrompt", "prompts.task", "text"],
  ["continuePrompt", "prompts.continue", "text"],
  ["instance", "instance", "text"],
  ["limit", "limit", "number"],
  ["repos", "repos", "text"],
  ["repoPath", "repo_path", "text"],
  ["runtime", "runtime", (v) => parseRuntimeName(v)],
  ["imageNamespace", "image_namespace", "text"],
  ["validate", "validate", "text"],
  ["testTimeout", "test_timeout_s", "number"],
  ["testCommand", "test_command", "text"],
  ["queue", "queue.url", "text"],
  ["queueName", "queue.name", "text"],
  ["attempts", "queue.attempts", "number"],
  ["retryErrors", "retry_errors", "text"],
];

/** The flags given on the command line (not left at their defaults), as config overrides. */
function commandLineOverrides(options: CollectCommandOptions, command: Command): CollectOverride[] {
  const overrides: CollectOverride[] = [];
  for (const [key, field, parse] of FLAG_FIELDS) {
    const value = options[key];
    if (value === undefined || command.getOptionValueSource(key) !== "cli") continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    const parsed =
      parse === "number"
        ? parseNumber(String(value), flag, COLLECT_NUMBER_RULES[field as keyof typeof COLLECT_NUMBER_RULES])
        : parse === "text"
          ? value
          : parse(String(value));
    overrides.push({ field, flag: key === "retryErrors" ? "--no-retry-errors" : flag, value: parsed });
  }
  return overrides;
}

/** `sealign collect --tasks FILE --model SPEC --samples N -o RUN_DIR` (or `--config FILE.yaml`) */
export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description(
      "run a tool-using agent (CodeAct tools, sandboxed workspaces) on tasks, N times each; resumable",
    )
    .option(
      "--tasks <file>",
      "task file (SWE-bench JSON/JSONL/Parquet, or inline tasks such as HumanEvalFix)",
    )
    .option(
      "--model <spec>",
      "model SPEC: openai:MODEL, embedded:/path/model.gguf, embedded:hf:user/repo/file.gguf, sim",
    )
    .option(
      "--config <file>",
      "collect.yaml with any of these settings (docs/collect.md); a flag given here wins over the file",
    )
    .option(
      "--samples <n>",
      "episodes per task (with --strategy tree: the budget's worth in samples)",
      String(COLLECT_DEFAULTS.samples),
    )
    .option(
      "--strategy <name>",
      "independent: --samples episodes per task from the start; tree: branch from recorded states where the task's tree is uncertain, until --budget model turns (docs/search.md; implies --validate)",
      COLLECT_DEFAULTS.strategy,
    )
    .option(
      "--budget <turns>",
      "with --strategy tree: model turns per task (default: --samples x the mean turns of the task's two initial episodes)",
    )
    .option("--temperature <t>", "sampling temperature")
    .option("--top-p <p>", "nucleus sampling")
    .option("--max-tokens <n>", "most tokens per model reply")
    .option(
      "--tool-choice <mode>",
      "auto (the model may answer in text) or required (every reply a tool call)",
    )
    .option("--seed <n>", "base seed (each episode's seed derives from it)", String(COLLECT_DEFAULTS.seed))
    .option("--concurrency <c>", "episodes at a time", String(COLLECT_DEFAULTS.concurrency))
    .option("-o, --output <run_dir>", "run directory (manifest.json, trajectories.jsonl); rerun to resume")
    .option("--base-url <url>", "OpenAI-compatible server (default OPENAI_BASE_URL)")
    .option("--api-key <key>", "API key (default OPENAI_API_KEY)")
    .option(
      "--request-timeout <s>",
      "seconds per model request before it is retried",
      String(COLLECT_DEFAULTS.provider.request_timeout_s),
    )
    .option(
      "--retries <n>",
      "retries of a model request on 429/5xx/time-out",
      String(COLLECT_DEFAULTS.provider.retries),
    )
    .option("--threads <n>", "embedded: CPU threads for the model")
    .option("--model-context <n>", "embedded: context size in tokens (default 8192)")
    .option("--max-argument-chars <n>", "embedded with --tool-choice required: cap on each string argument")
    .option("--max-turns <n>", "assistant turns per episode", String(COLLECT_DEFAULTS.episode.max_turns))
    .option(
      "--context-tokens <n>",
      "context budget per episode",
      String(COLLECT_DEFAULTS.episode.context_tokens),
    )
    .option(
      "--time-limit <s>",
      "wall-clock limit per episode (seconds)",
      String(COLLECT_DEFAULTS.episode.time_limit_s),
    )
    .option(
      "--command-timeout <s>",
      "hard limit per shell command (seconds)",
      String(COLLECT_DEFAULTS.bash.command_timeout_s),
    )
    .option(
      "--soft-timeout <s>",
      "return a command's output so far after this many seconds without new output",
      String(COLLECT_DEFAULTS.bash.soft_timeout_s),
    )
    .option(
      "--max-output-chars <n>",
      "longest observation; longer ones lose their middle",
      String(COLLECT_DEFAULTS.bash.max_output_chars),
    )
    .option(
      "--stuck-repeat <n>",
      "end an episode as stuck after the same action this many times in a row (0 = never)",
      String(COLLECT_DEFAULTS.episode.stuck_repeat),
    )
    .option("--memory <mib>", "address-space limit per sandboxed process (MiB)")
    .option("--max-processes <n>", "most processes at once per sandbox (pids cgroup)")
    .option("--system-prompt <file>", "system prompt template (placeholders {{workspace}}, ...)")
    .option(
      "--task-prompt <file>",
      "task prompt template for every task (placeholders {{problem_statement}}, ...)",
    )
    .option("--continue-prompt <file>", "the nudge sent after a reply without a tool call")
    .option("--instance <id...>", "only these instance ids")
    .option("--limit <n>", "only the first N tasks")
    .option(
      "--repos <dir>",
      "local clones of the tasks' repositories: DIR/owner/name, DIR/owner__name or DIR/name",
    )
    .option("--repo-path <dir>", "one local clone used for every task without inline files")
    .option(
      "--runtime <name>",
      "where episodes run: local (bubblewrap over local clones) or docker (each task's instance image); default: local when every task has a local environment, else docker when a daemon answers",
    )
    .option(
      "--image-namespace <ns>",
      "docker: instance images as <ns>/sweb.eval.x86_64.<id>:latest (SWE-Gym: xingyaoww)",
      COLLECT_DEFAULTS.image_namespace,
    )
    .option("--validate", "run each episode's patch against the task's tests right away (resolved-so-far)")
    .option(
      "--test-timeout <s>",
      "time limit of a task's tests with --validate (seconds)",
      String(COLLECT_DEFAULTS.test_timeout_s),
    )
    .option("--test-command <cmd>", "test command for tasks that carry none (with --validate)")
    .option(
      "--unsafe-no-sandbox",
      "run agent commands WITHOUT isolation (only where bubblewrap is unavailable)",
    )
    .option(
      "--queue <url>",
      "coordinate: run the episodes on `sealign worker`s of this Redis (redis://HOST:PORT[/DB]); rerun to resume",
    )
    .option("--queue-name <name>", "queue name (as given to the workers)", COLLECT_DEFAULTS.queue.name)
    .option(
      "--attempts <n>",
      "with --queue: tries per episode job before it is recorded as an error",
      String(COLLECT_DEFAULTS.queue.attempts),
    )
    .option(
      "--no-retry-errors",
      "on resume, keep episodes that ended in model_error or sandbox_error instead of running them again",
    )
    .option("--quiet", "no progress display")
    .action(async (options: CollectCommandOptions, command: Command) => {
      // The file's settings, then each flag given on the command line over them (a flag left at
      // its default does not hide the file's value); defaults and rules are the schema's.
      const config = resolveCollectConfig(options.config, commandLineOverrides(options, command));
      // Paths first, so that a typo is one clear line before a model or sandbox starts.
      await checkInputFile(config.tasks, "--tasks");
      for (const [flag, file] of [
        ["--system-prompt", config.prompts.system],
        ["--task-prompt", config.prompts.task],
        ["--continue-prompt", config.prompts.continue],
      ] as const)
        if (file) await checkInputFile(file, flag);
      if (config.repos) await checkInputDir(config.repos, "--repos");
      if (config.repo_path) await checkInputDir(config.repo_path, "--repo-path");
      await ensureOutputDir(config.output, "--output");
      // first Ctrl-C: stop cleanly (finished episodes are kept, the ones in flight rerun on
      // resume); a second one exits at once
      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write(`\ncollect: ${signal}: stopping; run the same command again to resume\n`);
        stop.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      if (config.queue.url) parseQueueUrl(config.queue.url); // a bad URL fails before the run starts
      const { strategy, sampling, provider, episode, bash } = config;
      // the search scores each node by the tests' verdicts, so every episode is validated as it ends
      const validate = config.validate || strategy === "tree";
      const ms = (s: number) => s * 1000;
      const summary = await collect({
        signal: stop.signal,
        tasksFile: config.tasks,
        model: config.model,
        providerOptions: {
          baseUrl: provider.base_url,
          apiKey: provider.api_key,
          timeoutMs: ms(provider.request_timeout_s),
          maxRetries: provider.retries,
          threads: provider.threads,
          contextSize: provider.model_context,
          maxArgumentChars: provider.max_argument_chars,
        },
        samples: config.samples,
        concurrency: config.concurrency,
        runDir: config.output,
        sampling: {
          ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
          ...(sampling.top_p !== undefined ? { top_p: sampling.top_p } : {}),
          ...(sampling.tool_choice !== undefined ? { tool_choice: sampling.tool_choice } : {}),
          ...(sampling.max_tokens !== undefined ? { max_tokens: sampling.max_tokens } : {}),
        },
        seed: config.seed,
        instanceIds: config.instance,
        limit: config.limit,
        reposDir: config.repos,
        runtime: config.runtime,
        imageNamespace: config.image_namespace,
        prompts: {
          system: config.prompts.system,
          task: config.prompts.task,
          continueNudge: config.prompts.continue,
        },
        episode: {
          maxTurns: episode.max_turns,
          contextTokens: episode.context_tokens,
          wallClockMs: ms(episode.time_limit_s),
          stuckRepeat: episode.stuck_repeat,
          bash: {
            hardTimeoutMs: ms(bash.command_timeout_s),
            softTimeoutMs: ms(bash.soft_timeout_s),
            maxOutputChars: bash.max_output_chars,
          },
          ...(episode.memory_mib !== undefined ? { limits: { memoryMiB: episode.memory_mib } } : {}),
          maxProcesses: episode.max_processes,
          unsafeNoSandbox: episode.unsafe_no_sandbox,
          prepare: config.repo_path ? { repoPath: config.repo_path } : undefined,
        },
        progress: options.quiet ? null : undefined,
        ...(config.queue.url
          ? {
              queue: {
                url: config.queue.url,
                queueName: checkQueueName(config.queue.name),
                attempts: config.queue.attempts,
                onWarning: (message: string) => process.stderr.write(`collect: ${message}\n`),
              },
            }
          : {}),
        strategy,
        ...(config.budget !== null ? { budget: config.budget } : {}),
        validate: validate
          ? { timeoutMs: ms(config.test_timeout_s), testCommand: config.test_command }
          : undefined,
        retryErrors: config.retry_errors,
      });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (stop.signal.aborted) process.exitCode = 130;
      // Every episode lost to the model (a wrong --base-url, a server that is down) is a
      // failed run, not a result: exit 1; a rerun retries them.
      const modelErrors = summary.byExitReason.model_error ?? 0;
      if (!stop.signal.aborted && summary.ran > 0 && modelErrors === summary.ran) {
        process.stderr.write(
          `collect: all ${summary.ran} episodes ended in model_error: is the model server reachable? Fix it and rerun the same command to retry them\n`,
        );
        process.exitCode = 1;
      }
      const reasons = Object.entries(summary.byExitReason)
        .map(([reason, n]) => `${reason} ${n}`)
        .join(", ");
      process.stderr.write(
        `collect: ${summary.ran} episodes run, ${summary.alreadyDone} already done, ${summary.total} in all (${reasons || "none run"}) -> ${summary.runDir}\n`,
      );
      if (summary.search)
        process.stderr.write(
          `collect: tree search: ${summary.search.turns} model turns, ${summary.search.divergences} replay(s) diverged (${join(summary.runDir, SEARCH_FILE)})\n`,
        );
      // where it went and what to run next (not for scripts that asked for quiet)
      if (!options.quiet && !stop.signal.aborted) {
        const trajectories = join(summary.runDir, TRAJECTORIES_FILE);
        const next = validate
          ? `sealign tree ${shellArg(trajectories)} -o ${shellArg(join(summary.runDir, "trees"))}`
          : `sealign validate ${shellArg(trajectories)} --tasks ${shellArg(config.tasks)} -o ${shellArg(join(summary.runDir, "validated"))}`;
        finalLines(process.stderr, trajectories, next);
      }
    });
}
