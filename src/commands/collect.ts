import { join } from "node:path";
import type { Command } from "commander";
import { EPISODE_DEFAULTS } from "../agent/episode.js";
import { TRAJECTORIES_FILE } from "../collect/manifest.js";
import { type CollectStrategy, collect } from "../collect/run.js";
import { InputError } from "../errors.js";
import { checkInputDir, checkInputFile, ensureOutputDir } from "../io/paths.js";
import { checkQueueName, parseQueueUrl } from "../queue/connection.js";
import { parseRuntimeName } from "../runtime/select.js";
import { SEARCH_FILE } from "../search/log.js";
import { finalLines, shellArg } from "./options.js";

interface CollectCommandOptions {
  tasks: string;
  model: string;
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
  output: string;
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

function number(
  value: string | undefined,
  flag: string,
  options: { integer?: boolean; min?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (
    !Number.isFinite(n) ||
    (options.integer && !Number.isInteger(n)) ||
    (options.min !== undefined && n < options.min)
  ) {
    throw new InputError(
      `${flag}: expected ${options.integer ? "an integer" : "a number"}${options.min !== undefined ? ` >= ${options.min}` : ""}, got "${value}"`,
      {
        field: flag,
      },
    );
  }
  return n;
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

/** `sealign collect --tasks FILE --model SPEC --samples N -o RUN_DIR` */
export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description(
      "run a tool-using agent (CodeAct tools, sandboxed workspaces) on tasks, N times each; resumable",
    )
    .requiredOption(
      "--tasks <file>",
      "task file (SWE-bench JSON/JSONL/Parquet, or inline tasks such as HumanEvalFix)",
    )
    .requiredOption(
      "--model <spec>",
      "model SPEC: openai:MODEL, embedded:/path/model.gguf, embedded:hf:user/repo/file.gguf, sim",
    )
    .option("--samples <n>", "episodes per task (with --strategy tree: the budget's worth in samples)", "1")
    .option(
      "--strategy <name>",
      "independent: --samples episodes per task from the start; tree: branch from recorded states where the task's tree is uncertain, until --budget model turns (docs/search.md; implies --validate)",
      "independent",
    )
    .option(
      "--budget <turns>",
      "with --strategy tree: model turns per task (default: --samples x the mean turns of the task's first episodes)",
    )
    .option("--temperature <t>", "sampling temperature")
    .option("--top-p <p>", "nucleus sampling")
    .option("--max-tokens <n>", "most tokens per model reply")
    .option(
      "--tool-choice <mode>",
      "auto (the model may answer in text) or required (every reply a tool call)",
    )
    .option("--seed <n>", "base seed (each episode's seed derives from it)", "0")
    .option("--concurrency <c>", "episodes at a time", "1")
    .requiredOption(
      "-o, --output <run_dir>",
      "run directory (manifest.json, trajectories.jsonl); rerun to resume",
    )
    .option("--base-url <url>", "OpenAI-compatible server (default OPENAI_BASE_URL)")
    .option("--api-key <key>", "API key (default OPENAI_API_KEY)")
    .option("--request-timeout <s>", "seconds per model request before it is retried", "600")
    .option("--retries <n>", "retries of a model request on 429/5xx/time-out", "4")
    .option("--threads <n>", "embedded: CPU threads for the model")
    .option("--model-context <n>", "embedded: context size in tokens (default 8192)")
    .option("--max-argument-chars <n>", "embedded with --tool-choice required: cap on each string argument")
    .option("--max-turns <n>", "assistant turns per episode", String(EPISODE_DEFAULTS.maxTurns))
    .option("--context-tokens <n>", "context budget per episode", String(EPISODE_DEFAULTS.contextTokens))
    .option(
      "--time-limit <s>",
      "wall-clock limit per episode (seconds)",
      String(EPISODE_DEFAULTS.wallClockMs / 1000),
    )
    .option("--command-timeout <s>", "hard limit per shell command (seconds)", "300")
    .option(
      "--soft-timeout <s>",
      "return a command's output so far after this many seconds without new output",
      "10",
    )
    .option("--max-output-chars <n>", "longest observation; longer ones lose their middle", "30000")
    .option(
      "--stuck-repeat <n>",
      "end an episode as stuck after the same action this many times in a row (0 = never)",
      "3",
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
      "swebench",
    )
    .option("--validate", "run each episode's patch against the task's tests right away (resolved-so-far)")
    .option("--test-timeout <s>", "time limit of a task's tests with --validate (seconds)", "300")
    .option("--test-command <cmd>", "test command for tasks that carry none (with --validate)")
    .option(
      "--unsafe-no-sandbox",
      "run agent commands WITHOUT isolation (only where bubblewrap is unavailable)",
    )
    .option(
      "--queue <url>",
      "coordinate: run the episodes on `sealign worker`s of this Redis (redis://HOST:PORT[/DB]); rerun to resume",
    )
    .option("--queue-name <name>", "queue name (as given to the workers)", "sealign")
    .option("--attempts <n>", "with --queue: tries per episode job before it is recorded as an error", "3")
    .option(
      "--no-retry-errors",
      "on resume, keep episodes that ended in model_error or sandbox_error instead of running them again",
    )
    .option("--quiet", "no progress display")
    .action(async (options: CollectCommandOptions) => {
      // Paths first, so that a typo is one clear line before a model or sandbox starts.
      await checkInputFile(options.tasks, "--tasks");
      for (const [flag, file] of [
        ["--system-prompt", options.systemPrompt],
        ["--task-prompt", options.taskPrompt],
        ["--continue-prompt", options.continuePrompt],
      ] as const)
        if (file) await checkInputFile(file, flag);
      if (options.repos) await checkInputDir(options.repos, "--repos");
      if (options.repoPath) await checkInputDir(options.repoPath, "--repo-path");
      await ensureOutputDir(options.output, "--output");
      const seconds = (v: string, flag: string) => (number(v, flag, { min: 0 }) as number) * 1000;
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
      if (options.queue) parseQueueUrl(options.queue); // a bad URL fails before the run starts
      const strategy = parseStrategy(options.strategy);
      if (options.budget !== undefined && strategy !== "tree")
        throw new InputError("--budget counts the model turns of --strategy tree; give --strategy tree too", {
          field: "--budget",
        });
      // the search scores each node by the tests' verdicts, so every episode is validated as it ends
      const validate = options.validate || strategy === "tree";
      const summary = await collect({
        signal: stop.signal,
        tasksFile: options.tasks,
        model: options.model,
        providerOptions: {
          baseUrl: options.baseUrl,
          apiKey: options.apiKey,
          timeoutMs: seconds(options.requestTimeout ?? "600", "--request-timeout"),
          maxRetries: number(options.retries, "--retries", { integer: true, min: 0 }),
          threads: number(options.threads, "--threads", { integer: true, min: 1 }),
          contextSize: number(options.modelContext, "--model-context", { integer: true, min: 256 }),
          maxArgumentChars: number(options.maxArgumentChars, "--max-argument-chars", {
            integer: true,
            min: 1,
          }),
        },
        samples: number(options.samples, "--samples", { integer: true, min: 1 }) as number,
        concurrency: number(options.concurrency, "--concurrency", { integer: true, min: 1 }),
        runDir: options.output,
        sampling: {
          ...(options.temperature !== undefined
            ? { temperature: number(options.temperature, "--temperature", { min: 0 }) }
            : {}),
          ...(options.topP !== undefined ? { top_p: number(options.topP, "--top-p", { min: 0 }) } : {}),
          ...(options.toolChoice !== undefined ? { tool_choice: toolChoice(options.toolChoice) } : {}),
          ...(options.maxTokens !== undefined
            ? { max_tokens: number(options.maxTokens, "--max-tokens", { integer: true, min: 1 }) }
            : {}),
        },
        seed: number(options.seed, "--seed", { integer: true, min: 0 }),
        instanceIds: options.instance,
        limit: number(options.limit, "--limit", { integer: true, min: 1 }),
        reposDir: options.repos,
        runtime: parseRuntimeName(options.runtime),
        imageNamespace: options.imageNamespace,
        prompts: {
          system: options.systemPrompt,
          task: options.taskPrompt,
          continueNudge: options.continuePrompt,
        },
        episode: {
          maxTurns: number(options.maxTurns, "--max-turns", { integer: true, min: 1 }),
          contextTokens: number(options.contextTokens, "--context-tokens", { integer: true, min: 1 }),
          wallClockMs: seconds(options.timeLimit, "--time-limit"),
          stuckRepeat: number(options.stuckRepeat, "--stuck-repeat", { integer: true, min: 0 }),
          bash: {
            hardTimeoutMs: seconds(options.commandTimeout, "--command-timeout"),
            softTimeoutMs: seconds(options.softTimeout, "--soft-timeout"),
            maxOutputChars: number(options.maxOutputChars, "--max-output-chars", { integer: true, min: 100 }),
          },
          ...(options.memory
            ? { limits: { memoryMiB: number(options.memory, "--memory", { integer: true, min: 16 }) } }
            : {}),
          maxProcesses: number(options.maxProcesses, "--max-processes", { integer: true, min: 8 }),
          unsafeNoSandbox: options.unsafeNoSandbox,
          prepare: options.repoPath ? { repoPath: options.repoPath } : undefined,
        },
        progress: options.quiet ? null : undefined,
        ...(options.queue
          ? {
              queue: {
                url: options.queue,
                queueName: checkQueueName(options.queueName),
                attempts: number(options.attempts, "--attempts", { integer: true, min: 1 }),
                onWarning: (message: string) => process.stderr.write(`collect: ${message}\n`),
              },
            }
          : {}),
        strategy,
        ...(options.budget !== undefined
          ? { budget: number(options.budget, "--budget", { integer: true, min: 1 }) as number }
          : {}),
        validate: validate
          ? { timeoutMs: seconds(options.testTimeout, "--test-timeout"), testCommand: options.testCommand }
          : undefined,
        retryErrors: options.retryErrors !== false,
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
          : `sealign validate ${shellArg(trajectories)} --tasks ${shellArg(options.tasks)} -o ${shellArg(join(summary.runDir, "validated"))}`;
        finalLines(process.stderr, trajectories, next);
      }
    });
}
