import type { Command } from "commander";
import { loadBuiltinTasks } from "../builtin/load.js";
import { InputError } from "../errors.js";
import { writeJsonlAtomic } from "../io/atomic.js";
import { synthesizeTasks } from "../synth/synth.js";
import { addOutputOption, checkChoices, outputOf, parseNumber } from "./options.js";

/** A count, a seed or seconds: a whole number, 0 included. */
const wholeNumber = (value: string, flag: string) => parseNumber(value, flag, { integer: true, min: 0 });

const list = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The built-in tasks a `--language` / `--only` selection names. A language the suite does not
 * have, or an `--only` that matches no task, is an error naming what exists (not "0 tasks").
 */
async function selectBuiltin(options: { language?: string[]; only?: string[]; limit?: number }) {
  const all = await loadBuiltinTasks();
  const languages = [...new Set(all.map((t) => t.language ?? ""))].filter(Boolean).sort();
  checkChoices(options.language, languages, "--language");
  for (const part of options.only ?? []) {
    if ((await loadBuiltinTasks({ only: [part], limit: 1 })).length === 0)
      throw new InputError(
        `--only ${JSON.stringify(part)} matches no built-in task (see sealign tasks list)`,
      );
  }
  return loadBuiltinTasks({ languages: options.language, only: options.only, limit: options.limit });
}

/** `sealign tasks list|export|synth`: the built-in suite, and tasks grown from any repository. */
export function registerTasks(program: Command): void {
  const tasks = program
    .command("tasks")
    .description("the built-in task suite, and task synthesis by bug injection");

  tasks
    .command("list")
    .description("list the built-in tasks (id, language, bug kind, tests)")
    .option("--language <names>", "only these languages (python,javascript)", list)
    .option("--json", "print JSON")
    .action(async (options: { language?: string[]; json?: boolean }) => {
      const all = await selectBuiltin({ language: options.language });
      if (options.json) {
        const rows = all.map((t) => ({
          instance_id: t.instance_id,
          language: t.language,
          bug_kind: (t as Record<string, unknown>).bug_kind,
          FAIL_TO_PASS: t.FAIL_TO_PASS.length,
          PASS_TO_PASS: t.PASS_TO_PASS.length,
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const t of all) {
        const kind = String((t as Record<string, unknown>).bug_kind ?? "");
        process.stdout.write(
          `${t.instance_id.padEnd(44)} ${String(t.language).padEnd(11)} ${kind.padEnd(28)} ${t.FAIL_TO_PASS.length} fail-to-pass, ${t.PASS_TO_PASS.length} pass-to-pass\n`,
        );
      }
      process.stdout.write(`${all.length} tasks\n`);
    });

  const exportTasks = tasks
    .command("export")
    .description("write the built-in tasks as a sealign task file (JSONL, local variant with inline files)");
  addOutputOption(exportTasks, "file", "output .jsonl", { required: true })
    .option("--language <names>", "only these languages (python,javascript)", list)
    .option("--only <names>", "only tasks whose name contains one of these", list)
    .option("--limit <n>", "at most this many tasks")
    .action(
      async (options: {
        out: string;
        output?: string;
        language?: string[];
        only?: string[];
        limit?: string;
      }) => {
        options.out = outputOf(options);
        const selected = await selectBuiltin({
          language: options.language,
          only: options.only,
          limit: options.limit === undefined ? undefined : wholeNumber(options.limit, "--limit"),
        });
        await writeJsonlAtomic(options.out, selected);
        process.stderr.write(`wrote ${selected.length} tasks to ${options.out}\n`);
      },
    );

  tasks
    .command("synth")
    .description(
      "make tasks from a repository with a test suite by injecting bugs; keeps mutants that make some tests fail and others pass",
    )
    .argument("<repo>", "repository folder (git work tree or plain folder)")
    .requiredOption("-o, --out <file>", "output tasks .jsonl (appended to: rerun to resume)")
    .option("--test-command <cmd>", "test command run in the repository root (default: detected)")
    .option("--max-tasks <n>", "keep at most this many tasks", "20")
    .option("--max-candidates <n>", "try at most this many mutants", "200")
    .option("--seed <n>", "seed of the candidate order", "0")
    .option("--timeout <seconds>", "limit of one test run", "60")
    .option("--name <prefix>", "instance id prefix (default: the folder name)")
    .option("--unsafe-no-sandbox", "run the tests without bubblewrap")
    .action(
      async (
        repo: string,
        options: {
          out: string;
          testCommand?: string;
          maxTasks: string;
          maxCandidates: string;
          seed: string;
          timeout: string;
          name?: string;
          unsafeNoSandbox?: boolean;
        },
      ) => {
        const result = await synthesizeTasks({
          repo,
          out: options.out,
          testCommand: options.testCommand,
          maxTasks: wholeNumber(options.maxTasks, "--max-tasks"),
          maxCandidates: wholeNumber(options.maxCandidates, "--max-candidates"),
          seed: wholeNumber(options.seed, "--seed"),
          timeoutMs: wholeNumber(options.timeout, "--timeout") * 1000,
          name: options.name,
          unsafeNoSandbox: options.unsafeNoSandbox,
        });
        const r = result.rejected;
        process.stderr.write(
          `synth: ${result.tasks} tasks in ${options.out} (${result.tried} mutants tried this run; rejected: ${r.noFailure} broke no test, ${r.noPass} broke every test, ${r.timedOut} timed out, ${r.notParsed} unreadable output)\n`,
        );
        if (result.tasks === 0) process.exitCode = 1;
      },
    );
}
