import { availableParallelism } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { writeFileAtomic } from "../io/atomic.js";
import { checkInputDir, checkInputFile, ensureOutputDir } from "../io/paths.js";
import { checkQueueName, parseQueueUrl } from "../queue/connection.js";
import { parseRuntimeName } from "../runtime/select.js";
import { compareVerdicts, formatAgreement, readHarnessVerdicts } from "../validate/agreement.js";
import { defaultCacheDir } from "../validate/cache.js";
import { readReport, validateRun } from "../validate/run.js";
import { PARSERS, type ParserName } from "../validate/status.js";
import { formatSummary } from "../validate/summary.js";
import { addOutputOption, numberOption, outputOf } from "./options.js";

const seconds = (flag: string) => numberOption(flag, { above: 0 });
const count = (flag: string) => numberOption(flag, { integer: true, min: 1 });

/** `sealign validate INPUT --tasks FILE -o OUT` */
export function registerValidate(program: Command): void {
  const command = program.command("validate");
  addOutputOption(
    command,
    "dir",
    "output folder: trajectories.jsonl, report.json, summary.json, results.jsonl, logs/",
    {
      required: true,
    },
  );
  command
    .description(
      "run each task's tests on each patch (trajectories or SWE-bench predictions) in a sandbox and grade it by SWE-bench's rule",
    )
    .argument(
      "<input>",
      "sealign trajectories (.jsonl[.gz|.zst]) or SWE-bench predictions (JSONL, JSON list or dict)",
    )
    .requiredOption("--tasks <file>", "task file (SWE-bench / HumanEvalFix rows: JSON, JSONL or Parquet)")
    .addOption(
      new Option("--format <format>", "input format")
        .choices(["auto", "trajectories", "predictions"])
        .default("auto"),
    )
    .option(
      "-j, --workers <n>",
      "validations run in parallel (the cores, at most 4, unless given)",
      count("--workers"),
      Math.min(4, availableParallelism()),
    )
    .option("--timeout <seconds>", "time limit of one test run", seconds("--timeout"), 300)
    .addOption(
      new Option("--parser <parser>", "test-log parser").choices(["auto", ...PARSERS]).default("auto"),
    )
    .option("--test-command <cmd>", "test command for tasks that carry no test_command")
    .option("--cache <dir>", "verdict cache folder, shared across runs", defaultCacheDir())
    .option("--no-cache", "validate every patch, even identical ones")
    .option("--repos <dir>", "local clones of repository tasks' repos (owner/name, owner__name or name)")
    .option("--unsafe-no-sandbox", "run tests without bubblewrap (only on a machine you do not mind)")
    .option(
      "--runtime <name>",
      "where tests run: local (bubblewrap over local clones) or docker (each task's instance image); default: local when every task has a local environment, else docker when a daemon answers",
    )
    .option(
      "--fresh-containers",
      "docker: a fresh container per patch, as the SWE-bench harness runs (default: one warm container per instance image, reset and verified clean between patches)",
    )
    .option(
      "--image-namespace <ns>",
      "docker: instance images as <ns>/sweb.eval.x86_64.<id>:latest (SWE-Gym: xingyaoww)",
      "swebench",
    )
    .option(
      "--harness <path>",
      "official SWE-bench harness output to compare verdicts with (summary JSON, report.json, or its logs folder); writes OUT/agreement.json",
    )
    .option(
      "--queue <url>",
      "coordinate: run the tests on `sealign worker`s of this Redis (redis://HOST:PORT[/DB]); rerun to resume",
    )
    .option("--queue-name <name>", "queue name (as given to the workers)", "sealign")
    .option(
      "--attempts <n>",
      "with --queue: tries per validation job before its verdict is a harness error",
      count("--attempts"),
      3,
    )
    .option(
      "--force",
      "replace the results of another run in --output (without it, only a resume may reuse it)",
    )
    .option("-q, --quiet", "no progress on stderr")
    .action(
      async (
        input: string,
        options: {
          tasks: string;
          out: string;
          output?: string;
          format: "auto" | "trajectories" | "predictions";
          workers: number;
          timeout: number;
          parser: ParserName | "auto";
          testCommand?: string;
          cache: string | false;
          repos?: string;
          unsafeNoSandbox?: boolean;
          runtime?: string;
          freshContainers?: boolean;
          imageNamespace: string;
          harness?: string;
          queue?: string;
          queueName: string;
          attempts: number;
          force?: boolean;
          quiet?: boolean;
        },
      ) => {
        options.out = outputOf(options);
        await checkInputFile(input);
        await checkInputFile(options.tasks, "--tasks");
        if (options.repos) await checkInputDir(options.repos, "--repos");
        await ensureOutputDir(options.out, "--output");
        if (options.queue) parseQueueUrl(options.queue); // a bad URL fails before anything runs
        // Read the harness's verdicts first: a bad path should fail before hours of validation.
        const harness = options.harness ? await readHarnessVerdicts(options.harness) : null;
        const summary = await validateRun({
          input,
          tasks: options.tasks,
          out: options.out,
          format: options.format,
          workers: Math.floor(options.workers),
          timeoutS: options.timeout,
          parser: options.parser,
          testCommand: options.testCommand,
          cacheDir: options.cache === false ? null : options.cache,
          reposDir: options.repos,
          unsafeNoSandbox: options.unsafeNoSandbox,
          runtime: parseRuntimeName(options.runtime),
          warmContainers: !options.freshContainers,
          imageNamespace: options.imageNamespace,
          progress: options.quiet ? null : process.stderr,
          force: options.force,
          ...(options.queue
            ? {
                queue: {
                  url: options.queue,
                  queueName: checkQueueName(options.queueName),
                  attempts: Math.floor(options.attempts),
                  onWarning: (message: string) => process.stderr.write(`validate: ${message}\n`),
                },
              }
            : {}),
        });
        process.stdout.write(
          `${formatSummary(summary)}\nwrote ${options.out}/{report.json,summary.json,logs/}\n`,
        );
        if (harness) {
          const agreement = compareVerdicts(await readReport(options.out), harness);
          await writeFileAtomic(
            join(options.out, "agreement.json"),
            `${JSON.stringify(agreement, null, 2)}\n`,
          );
          process.stdout.write(`${formatAgreement(agreement)}\n`);
        }
      },
    );
}
