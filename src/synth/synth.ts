import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";
import { JsonlAppender } from "../io/append.js";
import { readJsonl } from "../io/jsonl.js";
import { LocalRuntime } from "../runtime/local.js";
import { writeFiles as writeFilesInside } from "../runtime/workspace-ops.js";
import { bwrapAvailable } from "../sandbox/bwrap.js";
import { git, writeFiles } from "../sandbox/workspace.js";
import type { Task } from "../schema/task.js";
import { parseTask } from "../schema/validate.js";
import { parseLogAuto } from "../validate/parse-log.js";
import type { StatusMap } from "../validate/status.js";
import { SEALIGN_VERSION } from "../version.js";
import { applyMutation, type Mutation, mutationsOf, sourceLanguage } from "./mutate.js";

/**
 * `sealign tasks synth`: grow a task set from any repository with a test suite by injecting
 * bugs (SWE-smith's idea). The repository's tests are run once as they are; then, for each
 * candidate mutation of a source file, again. A mutant is kept as a task when some tests that
 * passed now fail (FAIL_TO_PASS) while others still pass (PASS_TO_PASS): the gold patch is the
 * inverse of the mutation, the issue text is written from the failing tests.
 */
export interface SynthOptions {
  /** The repository folder (a git work tree, or a plain folder). */
  repo: string;
  /** Output JSONL of tasks (appended to; an existing file resumes the run). */
  out: string;
  /** Test command run in the repository root; detected from the files when absent. */
  testCommand?: string;
  /** Keep at most this many tasks (default 20). */
  maxTasks?: number;
  /** Try at most this many mutants (default 200). */
  maxCandidates?: number;
  /** Seed of the candidate order. */
  seed?: number;
  /** Wall-clock limit of one test run, ms (default 60 s). Mutants that time out are dropped. */
  timeoutMs?: number;
  /** Prefix of instance ids (default: the repository folder's name). */
  name?: string;
  /** Run tests without bubblewrap (only when asked for). */
  unsafeNoSandbox?: boolean;
  /** Progress lines (default: stderr). */
  progress?: (line: string) => void;
}

export interface SynthResult {
  tasks: number;
  tried: number;
  /** Mutants that broke no test, broke every test, or timed out. */
  rejected: { noFailure: number; noPass: number; timedOut: number; notParsed: number };
  baselinePassing: number;
  resumed: number;
}

const SKIP_DIRS = new Set(["node_modules", "__pycache__", ".git", ".venv", "venv", "dist", "build", ".tox"]);
const MAX_FILE_BYTES = 256 * 1024;

/** True for test files: in a test(s) folder, or named like test_x.py, x_test.py, x.test.js, x.spec.ts. */
export function isTestFile(path: string): boolean {
  const parts = path.split("/");
  if (parts.slice(0, -1).some((p) => p === "test" || p === "tests" || p === "__tests__")) return true;
  const name = parts.at(-1)!;
  return /^test_.*\.py$|_test\.py$|^conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$/.test(name);
}

/** The repository's text files (tracked ones in a git work tree), path -> content. */
export async function readRepoFiles(repo: string): Promise<Record<string, string>> {
  let paths: string[];
  if (existsSync(join(repo, ".git"))) {
    paths = (await git(repo, ["ls-files", "-z"])).split("\0").filter(Boolean);
  } else {
    paths = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) await walk(join(dir, entry.name));
        } else if (entry.isFile()) paths.push(relative(repo, join(dir, entry.name)).split(sep).join("/"));
      }
    };
    await walk(repo);
  }
  const files: Record<string, string> = {};
  for (const path of paths.sort()) {
    const full = join(repo, path);
    if (!existsSync(full) || statSync(full).size > MAX_FILE_BYTES) continue;
    const buffer = await readFile(full);
    if (buffer.includes(0)) continue; // binary
    files[path] = buffer.toString("utf8");
  }
  return files;
}

/** A test command for the repository: pytest for Python tests, node's runner for JS tests. */
export function detectTestCommand(files: Record<string, string>): string {
  const tests = Object.keys(files).filter(isTestFile);
  if (tests.some((p) => p.endsWith(".py"))) return "python3 -m pytest -q -rA -p no:cacheprovider";
  if (tests.some((p) => /\.[cm]?js$/.test(p))) {
    const dirs = [
      ...new Set(
        tests.filter((p) => /\.[cm]?js$/.test(p)).map((p) => p.split("/").slice(0, -1).join("/") || "."),
      ),
    ];
    return `node --test --test-reporter=tap ${dirs.map((d) => `${d}/`).join(" ")}`;
  }
  throw new InputError(
    "no test files found (test_*.py, *_test.py, *.test.js, tests/...); give --test-command",
    {
      field: "--test-command",
    },
  );
}

/** Deterministic shuffle (mulberry32). */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function mutationId(m: Mutation): string {
  return createHash("sha256")
    .update(`${m.file}\0${m.line}\0${m.before}\0${m.after}`)
    .digest("hex")
    .slice(0, 10);
}

/** The issue text of a synthesised task: what fails, as a user would report it. */
export function issueText(failing: string[], passingCount: number, log: string): string {
  const shown = failing.slice(0, 8);
  const excerpt = failureExcerpt(log);
  return [
    "# Tests fail after a recent change",
    "",
    `These ${failing.length === 1 ? "test fails" : `${failing.length} tests fail`} (the other ${passingCount} still pass):`,
    "",
    ...shown.map((name) => `- \`${name}\``),
    ...(failing.length > shown.length ? [`- ... and ${failing.length - shown.length} more`] : []),
    "",
    ...(excerpt ? ["Output of the first failure:", "", "```", excerpt, "```", ""] : []),
    "Please find the cause in the code (not in the tests) and fix it.",
  ].join("\n");
}

/** The first assertion/error lines of a test log, short enough for an issue. */
function failureExcerpt(log: string): string {
  const lines = log.split("\n");
  const at = lines.findIndex((l) => /(AssertionError|Error:|assert |Expected|!==|error:)/.test(l));
  if (at === -1) return "";
  return lines
    .slice(Math.max(0, at - 2), at + 8)
    .map((l) => l.slice(0, 200))
    .join("\n")
    .trim();
}

/** Gold fix: the diff that turns the mutated file back into the original (made in a scratch repository). */
async function inverseDiff(file: string, mutated: string, original: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sealign-synth-diff-"));
  try {
    await git(dir, ["init", "-q"]);
    await writeFiles(dir, { [file]: mutated });
    await git(dir, ["add", "-A"]);
    await git(dir, ["commit", "-q", "-m", "mutant"]);
    await writeFiles(dir, { [file]: original });
    return await git(dir, ["diff", "--no-color", "--no-ext-diff", "--", file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function passing(statuses: StatusMap): Set<string> {
  return new Set([...statuses].filter(([, s]) => s === "PASSED" || s === "XFAIL").map(([n]) => n));
}

/** Run the synthesis; tasks are appended to `out` as they are found (resumable). */
export async function synthesizeTasks(options: SynthOptions): Promise<SynthResult> {
  const repo = resolve(options.repo);
  if (!existsSync(repo) || !statSync(repo).isDirectory())
    throw new InputError("not a folder", { file: options.repo });
  const say = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxTasks = options.maxTasks ?? 20;
  const maxCandidates = options.maxCandidates ?? 200;
  const seed = options.seed ?? 0;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const unsafeNoSandbox = options.unsafeNoSandbox ?? false;
  if (!unsafeNoSandbox && !bwrapAvailable()) {
    throw new InputError(
      "bubblewrap (bwrap) is needed to run the repository's tests; or pass --unsafe-no-sandbox",
    );
  }
  const files = await readRepoFiles(repo);
  const testCommand = options.testCommand ?? detectTestCommand(files);
  const name = (options.name ?? basename(repo)).replace(/[^A-Za-z0-9._-]+/g, "_");
  const testFiles = Object.fromEntries(Object.entries(files).filter(([p]) => isTestFile(p)));

  // Resume: ids already written, and candidates already judged (the sidecar log).
  const done = new Set<string>();
  let resumed = 0;
  if (existsSync(options.out)) {
    for await (const record of readJsonl(options.out)) {
      const id = (record.value as { synth?: { mutation_id?: string } }).synth?.mutation_id;
      if (id) done.add(id);
      resumed++;
    }
  }
  const triedPath = `${options.out}.tried.jsonl`;
  if (existsSync(triedPath)) {
    for await (const record of readJsonl(triedPath)) done.add((record.value as { id: string }).id);
  }

  const baseTask = parseTask({ instance_id: `${name}__synth-base`, problem_statement: "", files });
  // The tests run (and mutants are written) inside one environment: a test that plants a
  // symlink where a mutant goes makes the write follow it inside the sandbox only.
  const runtime = new LocalRuntime({ unsafeNoSandbox });
  const base = await runtime.prepare(baseTask);
  const env = await runtime.open(base, { name: `${name}-synth` });
  const run = async () => {
    const result = await env.exec(testCommand, { timeoutMs });
    const parsed = parseLogAuto(result.output);
    return { result, statuses: parsed?.statuses ?? null };
  };
  const rejected = { noFailure: 0, noPass: 0, timedOut: 0, notParsed: 0 };
  let tasks = resumed;
  let tried = 0;
  try {
    say(`synth: running the tests of ${repo} as they are: ${testCommand}`);
    const baseline = await run();
    if (baseline.result.timedOut)
      throw new InputError(`the test command timed out on the unchanged repository`);
    if (!baseline.statuses) {
      throw new InputError(
        "could not read per-test results from the test output (pytest -rA, unittest -v or node --test TAP expected)",
        { field: "--test-command" },
      );
    }
    const passedBefore = passing(baseline.statuses);
    if (passedBefore.size < 2)
      throw new InputError(
        `only ${passedBefore.size} test(s) pass on the unchanged repository; need at least 2`,
      );
    say(`synth: ${passedBefore.size} tests pass before mutation`);

    const candidates: Mutation[] = [];
    for (const [path, content] of Object.entries(files)) {
      const language = sourceLanguage(path);
      if (language && !isTestFile(path)) candidates.push(...mutationsOf(path, content, language));
    }
    const order = shuffled(candidates, seed).slice(0, maxCandidates);
    say(`synth: ${candidates.length} candidate mutations, trying up to ${order.length}`);
    const { appender } = await JsonlAppender.open(options.out);
    const { appender: triedLog } = await JsonlAppender.open(triedPath);
    for (const mutation of order) {
      if (tasks >= maxTasks) break;
      const id = mutationId(mutation);
      if (done.has(id)) continue;
      tried++;
      const original = files[mutation.file]!;
      const mutated = applyMutation(original, mutation);
      await writeFilesInside(env, { [mutation.file]: mutated });
      let verdict = "kept";
      try {
        const { result, statuses } = await run();
        if (result.timedOut) {
          rejected.timedOut++;
          verdict = "timed-out";
          continue;
        }
        if (!statuses) {
          rejected.notParsed++;
          verdict = "not-parsed";
          continue;
        }
        const passedAfter = passing(statuses);
        const failToPass = [...passedBefore].filter((t) => !passedAfter.has(t)).sort();
        const passToPass = [...passedBefore].filter((t) => passedAfter.has(t)).sort();
        if (failToPass.length === 0) {
          rejected.noFailure++;
          verdict = "no-failure";
          continue;
        }
        if (passToPass.length === 0) {
          rejected.noPass++;
          verdict = "no-pass";
          continue;
        }
        const gold = await inverseDiff(mutation.file, mutated, original);
        const task: Task = parseTask({
          instance_id: `${name}__synth-${id}`,
          repo: name,
          base_commit: "",
          problem_statement: issueText(failToPass, passToPass.length, result.output),
          patch: gold,
          FAIL_TO_PASS: failToPass,
          PASS_TO_PASS: passToPass,
          files: { ...files, [mutation.file]: mutated },
          test_files: testFiles,
          test_command: testCommand,
          language: sourceLanguage(mutation.file) ?? undefined,
          synth: {
            mutation_id: id,
            kind: mutation.kind,
            file: mutation.file,
            line: mutation.line,
            description: mutation.description,
            seed,
            sealign_version: SEALIGN_VERSION,
          },
        });
        await appender.append(task);
        tasks++;
        say(
          `synth: [${tasks}/${maxTasks}] ${mutation.file}:${mutation.line} ${mutation.kind} (${mutation.description}) -> ${failToPass.length} failing, ${passToPass.length} passing`,
        );
      } finally {
        await writeFilesInside(env, { [mutation.file]: original });
        await triedLog.append({ id, verdict });
      }
      if (tried % 10 === 0) say(`synth: tried ${tried}, kept ${tasks}`);
    }
    return { tasks, tried, rejected, baselinePassing: passedBefore.size, resumed };
  } finally {
    await env.close();
    await runtime.close();
  }
}
