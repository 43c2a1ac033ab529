/**
 * Operations on a workspace that a model or a patch has touched, each one `env.exec` inside the
 * environment (docs/security.md): whatever the workspace holds (symlinks, `.git/config`, hooks,
 * attributes, filters) can at worst act inside the isolation, never on the host. They use only
 * the Environment interface, so every backend (local bubblewrap, docker) runs them unchanged.
 *
 * git runs hardened even inside: no system or user configuration, no hooks, no fsmonitor, every
 * configured filter driver blanked, no external diff or textconv, no replace objects, and the
 * work tree and git folder given explicitly (a planted `core.worktree` is not followed).
 */
import { InputError } from "../errors.js";
import type { Environment, Shell } from "./types.js";

/** Quote any text as one bash word. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Bash that defines `sgit`: git as sealign runs it inside an environment. The filter overrides
 * are read from the repository's configuration (names only; reading configuration runs nothing).
 */
const HARDENED_GIT = [
  "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_NO_REPLACE_OBJECTS=1 GIT_TERMINAL_PROMPT=0 GIT_PAGER=cat GIT_OPTIONAL_LOCKS=0",
  "unset GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_EXTERNAL_DIFF GIT_ATTR_SOURCE",
  'export GIT_WORK_TREE="$PWD" GIT_DIR="$PWD/.git"',
  '__sg=(-c core.fsmonitor= -c core.hooksPath=/dev/null -c core.attributesFile=/dev/null -c core.worktree="$PWD" -c gc.auto=0 -c maintenance.auto=false -c diff.external= -c diff.noprefix=false -c diff.mnemonicPrefix=false -c core.quotePath=true)',
  "while IFS= read -r __k; do",
  '  case "$__k" in',
  '    filter.*.clean|filter.*.smudge|filter.*.process) __sg+=(-c "$__k=") ;;',
  '    filter.*.required) __sg+=(-c "$__k=false") ;;',
  "  esac",
  "done < <(git config --list --name-only 2>/dev/null)",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's array expansion, not a template
  'sgit() { git "${__sg[@]}" "$@"; }',
].join("\n");

/** A bash script run with sealign's hardened git, from the environment's work directory. */
export function withHardenedGit(body: string): string {
  return `${HARDENED_GIT}\n${body}`;
}

/** Output a workspace op can return (a diff of a big repository): 256 MiB. */
const MAX_DATA_BYTES = 256 * 1024 * 1024;

async function execChecked(
  env: Environment,
  what: string,
  script: string,
  options: { timeoutMs: number; stdin?: string | Buffer },
): Promise<string> {
  const result = await env.exec(script, {
    timeoutMs: options.timeoutMs,
    stdin: options.stdin,
    maxOutputBytes: MAX_DATA_BYTES,
  });
  if (result.timedOut) throw new Error(`${what} timed out after ${options.timeoutMs} ms`);
  if (result.exitCode !== 0) {
    const detail = result.output.trim().split("\n").slice(-5).join("\n");
    throw new Error(`${what} failed (exit ${result.exitCode ?? result.signal}): ${detail || "no output"}`);
  }
  if (Buffer.byteLength(result.stdout) >= MAX_DATA_BYTES)
    throw new Error(`${what}: output over ${MAX_DATA_BYTES} bytes`);
  return result.stdout;
}

/**
 * The workspace's changes against the base as a unified diff (`git add -A; git diff --cached
 * BASE`), binary files left out as OpenHands does; "" when nothing changed. Runs inside.
 */
export async function computePatch(env: Environment, options: { timeoutMs?: number } = {}): Promise<string> {
  const base = shellQuote(env.baseCommit);
  const script = withHardenedGit(
    [
      "sgit add -A || exit 3",
      "ex=()",
      "while IFS= read -r -d '' rec; do",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion, not a template
      "  a=${rec%%$'\\t'*}; rest=${rec#*$'\\t'}; b=${rest%%$'\\t'*}; p=${rest#*$'\\t'}",
      '  if [ "$a" = - ] && [ "$b" = - ]; then ex+=(":(exclude,literal)$p"); fi',
      `done < <(sgit diff --cached --numstat --no-renames -z ${base} --)`,
      `sgit diff --cached --no-color --no-ext-diff --no-textconv --src-prefix=a/ --dst-prefix=b/ ${base} -- . "\${ex[@]}"`,
    ].join("\n"),
  );
  return execChecked(env, "computing the patch", script, { timeoutMs: options.timeoutMs ?? 120_000 });
}

/** How a patch went onto a workspace. */
export interface ApplyResult {
  applied: boolean;
  /** The command that succeeded ("git apply", "git apply --reject", "patch --fuzz=5"), or null. */
  method: string | null;
  /** What each attempt printed, for the instance log. */
  log: string;
}

/** SWE-bench's order of attempts (strict, partial, fuzzy); the exit status names the one that worked. */
const APPLY_METHODS = ["git apply", "git apply --reject", "patch --fuzz=5"] as const;

const APPLY_SCRIPT = withHardenedGit(`
p=$(mktemp) || exit 100
trap 'rm -f "$p"' EXIT
cat > "$p"
reset_ws() { sgit reset -q --hard HEAD >/dev/null 2>&1; sgit clean -q -f -d >/dev/null 2>&1; }
try() {
  local code=$1; shift
  echo "$ $METHOD"
  if "$@" 2>&1; then echo "-> applied"; exit "$code"; fi
  echo "-> failed"
  reset_ws
}
METHOD="git apply" try 10 sgit apply --verbose --whitespace=nowarn "$p"
METHOD="git apply --reject" try 11 sgit apply --verbose --reject --whitespace=nowarn "$p"
METHOD="patch --fuzz=5" try 12 patch --batch --fuzz=5 --no-backup-if-mismatch -p1 -i "$p"
exit 1
`);

/**
 * Apply a patch to an environment's workspace (a git work tree at the base), as the SWE-bench
 * harness does: `git apply`, then `git apply --reject`, then `patch --batch --fuzz=5 -p1`,
 * resetting the tree between attempts so a partial application never leaks into the next. The
 * patch goes in on stdin; everything runs inside the environment.
 */
export async function applyPatch(
  env: Environment,
  patchText: string,
  options: { timeoutMs?: number } = {},
): Promise<ApplyResult> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const result = await env.exec(APPLY_SCRIPT, {
    timeoutMs,
    stdin: patchText.endsWith("\n") ? patchText : `${patchText}\n`,
  });
  const log = result.output.trimEnd();
  if (result.timedOut)
    return { applied: false, method: null, log: `${log}\n-> timed out after ${timeoutMs} ms` };
  const method = result.exitCode !== null ? APPLY_METHODS[result.exitCode - 10] : undefined;
  return method ? { applied: true, method, log } : { applied: false, method: null, log };
}

/**
 * A relative path for a file written into a workspace: no absolute path, no `..`, nothing in
 * git's own folder. `field` names the input for the error.
 */
export function checkRelativePath(path: string, field: string): string {
  const parts = path.split("/");
  if (
    path === "" ||
    path.startsWith("/") ||
    path.includes("\0") ||
    parts.includes("..") ||
    parts.includes(".git")
  ) {
    throw new InputError(
      `${field} entry "${path}" must be a relative path inside the workspace, outside .git`,
      {
        field,
      },
    );
  }
  return path;
}

/** Largest script (the quoted paths) sent in one exec; more files go in several. */
const MAX_SCRIPT_CHARS = 64 * 1024;

/**
 * Write files (relative path -> content) into an environment's workspace, from inside it: a
 * symlink a patch planted is followed only within the environment, and a planted symlink at a
 * file's own path is replaced, not followed. Contents go in on stdin, each read with an exact
 * byte count (`head -c`).
 */
export async function writeFiles(
  env: Environment,
  files: Record<string, string>,
  options: { field?: string; timeoutMs?: number } = {},
): Promise<void> {
  const field = options.field ?? "files";
  const entries = Object.entries(files).map(([path, content]) => {
    checkRelativePath(path, field);
    return { path, content: Buffer.from(content, "utf8") };
  });
  const head =
    "set -e\n" +
    'w() { rm -f -- "$1" 2>/dev/null || true; mkdir -p -- "$(dirname -- "$1")"; head -c "$2" > "$1"; }\n';
  let script = head;
  let stdin: Buffer[] = [];
  const flush = async () => {
    if (stdin.length === 0) return;
    await execChecked(env, `writing ${field}`, script, {
      timeoutMs: options.timeoutMs ?? 120_000,
      stdin: Buffer.concat(stdin),
    });
    script = head;
    stdin = [];
  };
  for (const { path, content } of entries) {
    const line = `w ${shellQuote(path)} ${content.length}\n`;
    if (script.length + line.length > MAX_SCRIPT_CHARS) await flush();
    script += line;
    stdin.push(content);
  }
  await flush();
}

/** What is at a path inside an environment (symlinks followed, inside the environment). */
export type PathKind = "file" | "directory" | "other" | "missing" | "outside";

/** The result of a file operation inside an environment. */
export type FileOpResult =
  | { kind: "file"; content: string }
  | { kind: "directory"; entries: { path: string; directory: boolean }[] }
  | { kind: "missing" | "other" | "outside" | "exists" }
  | { kind: "error"; message: string };

/**
 * The prologue of every file op: `$P` the path, refused as "outside" when it resolves (symlinks
 * of its longest existing prefix followed) out of `$ROOT`; then `kind` prints what is there.
 */
const FILE_OP_PROLOGUE = `
r=$(realpath -m -- "$P") || { echo outside; exit 0; }
case "$r" in "$ROOT"|"$ROOT"/*) ;; *) echo outside; exit 0 ;; esac
kind() { if [ -d "$P" ]; then echo directory; elif [ -f "$P" ]; then echo file; elif [ -e "$P" ]; then echo other; else echo missing; fi; }
`;

const FILE_OPS = {
  stat: "kind",
  read: String.raw`k=$(kind); echo "$k"
if [ "$k" = file ]; then cat -- "$P"
elif [ "$k" = directory ]; then find -H "$P" -mindepth 1 -maxdepth "$DEPTH" -name '.*' -prune -o -printf '%y\t%P\0'; fi`,
  create: String.raw`if [ -e "$P" ] || [ -L "$P" ]; then echo exists; exit 0; fi
if ! err=$(mkdir -p -- "$(dirname -- "$P")" 2>&1); then printf 'error\n%s' "$err"; exit 0; fi
set -o noclobber
if err=$( { content > "$P"; } 2>&1); then echo file; else printf 'error\n%s' "$err"; fi`,
  write: String.raw`k=$(kind); if [ "$k" != file ]; then echo "$k"; exit 0; fi
if err=$( { content > "$P"; } 2>&1); then echo file; else printf 'error\n%s' "$err"; fi`,
} as const;

export type FileOp = keyof typeof FILE_OPS;

/**
 * One editor file operation inside an environment, in one exec (check and act in the same
 * process, inside, so there is no check-then-write race on the host):
 * - `stat`: what is at `path`;
 * - `read`: a file's text, or a directory's entries up to `depth` levels (default 2; hidden
 *   ones skipped and not entered; paths relative to it);
 * - `create`: write `content` to a new file (parents made; an existing path is "exists");
 * - `write`: replace an existing file's content.
 * `path` is absolute in the environment's view and must resolve under `env.workdir`.
 */
export async function fileOp(
  env: Environment,
  op: FileOp,
  path: string,
  options: { content?: string; depth?: number; timeoutMs?: number } = {},
): Promise<FileOpResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const vars = { P: path, ROOT: env.workdir, DEPTH: String(options.depth ?? 2) };
  const writes = op === "create" || op === "write";
  const script = `${FILE_OP_PROLOGUE}\n${FILE_OPS[op]}`;
  const stdout =
    (await viaOpsShell(env, script, vars, writes ? (options.content ?? "") : null, timeoutMs)) ??
    (await viaExec(env, op, path, script, vars, writes ? (options.content ?? "") : undefined, timeoutMs));
  return answerOf(op, path, stdout);
}

async function viaExec(
  env: Environment,
  op: FileOp,
  path: string,
  script: string,
  vars: Record<string, string>,
  content: string | undefined,
  timeoutMs: number,
): Promise<string> {
  const result = await env.exec(`content() { cat; }\n${script}`, {
    timeoutMs,
    env: vars,
    stdin: content,
    maxOutputBytes: MAX_DATA_BYTES,
  });
  if (result.timedOut) throw new Error(`file ${op} of ${path} timed out`);
  if (result.exitCode !== 0)
    throw new Error(`file ${op} of ${path} failed (exit ${result.exitCode}): ${result.output.trim()}`);
  return result.stdout;
}

/**
 * sealign's own shell in each environment (not the model's: a separate sandbox or exec, so the
 * model's processes can neither reach nor redefine it), kept for the file operations so that
 * each costs a round trip instead of a new sandbox. Operations on one environment go one at a time.
 */
const opsShells = new WeakMap<Environment, { shell: Promise<Shell>; queue: Promise<unknown> }>();

/**
 * A file operation through the environment's ops shell; null when it cannot answer exactly
 * (the shell could not start or exited, or the answer was too long to keep whole): the caller
 * then runs the same script with `exec`.
 */
async function viaOpsShell(
  env: Environment,
  script: string,
  vars: Record<string, string>,
  content: string | null,
  timeoutMs: number,
): Promise<string | null> {
  let entry = opsShells.get(env);
  if (!entry) {
    entry = { shell: env.startShell(), queue: Promise.resolve() };
    opsShells.set(env, entry);
  }
  const { shell: started } = entry;
  const assignments = Object.entries(vars).map(([key, value]) => `${key}=${shellQuote(value)}`);
  const body =
    content === null
      ? "content() { :; }"
      : `C64=${shellQuote(Buffer.from(content, "utf8").toString("base64"))}; content() { printf %s "$C64" | base64 -d; }`;
  const command = `( ${assignments.join(" ")}; ${body}\n${script}\n) 2>/dev/null`;
  const run = entry.queue.then(async () => {
    const shell = await started.catch(() => null);
    if (!shell || shell.closed) return null;
    const result = await shell.run(command, { softTimeoutMs: timeoutMs, hardTimeoutMs: timeoutMs });
    if (result.shellExited || result.killed || result.running) {
      opsShells.delete(env);
      await shell.close();
      return null;
    }
    return result.droppedChars > 0 || result.exitCode !== 0 ? null : result.output;
  });
  entry.queue = run.catch(() => undefined);
  return run.catch(() => null);
}

function answerOf(op: FileOp, path: string, stdout: string): FileOpResult {
  const newline = stdout.indexOf("\n");
  const word = newline === -1 ? stdout.trim() : stdout.slice(0, newline);
  const rest = newline === -1 ? "" : stdout.slice(newline + 1);
  switch (word) {
    case "file":
      return { kind: "file", content: op === "read" ? rest : "" };
    case "directory":
      return {
        kind: "directory",
        entries: rest
          .split("\0")
          .filter(Boolean)
          .map((record) => ({ directory: record.startsWith("d\t"), path: record.slice(2) })),
      };
    case "missing":
    case "other":
    case "outside":
    case "exists":
      return { kind: word };
    case "error":
      return { kind: "error", message: rest.trim() };
    default:
      throw new Error(`file ${op} of ${path}: unexpected answer ${JSON.stringify(stdout.slice(0, 200))}`);
  }
}
