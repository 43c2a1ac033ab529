/**
 * The docker backend: one container per environment, made from the task's instance image
 * (SWE-bench's `sweb.eval.x86_64.<id>` naming, SWE-Gym's, or the task's own `image`), through
 * the Docker Engine API with dockerode (Podman's Docker-compatible socket works the same way:
 * set DOCKER_HOST).
 *
 * Containers run with no network, memory (no swap), CPU and pids limits, and carry a label
 * `sealign.owner=<host>/<pid>/<start>/<run>` so that what a killed process left behind is found
 * and removed by `sweep()` at the next start (only when that owner process is gone). SIGINT and
 * SIGTERM remove this process's open containers before it dies.
 *
 * Every command runs inside the container (`docker exec`); nothing of the workspace is read on
 * the host. Killing a command is done inside too (a second exec that signals its process tree),
 * so it works with a remote or rootless daemon whose pids the host cannot see.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import Docker from "dockerode";
import { InputError } from "../errors.js";
import { instanceImageName, SWEBENCH_NAMESPACE, swegymImageName } from "../images/naming.js";
import type { Task } from "../schema/task.js";
import { MarkerShell, type ShellTransport } from "./marker-shell.js";
import type { Environment, ExecOptions, ExecResult, OpenOptions, Runtime, Shell, TaskBase } from "./types.js";

/** The label that marks sealign's containers, for sweeping. */
export const OWNER_LABEL = "sealign.owner";
/** SWE-bench's workspace path inside instance images. */
export const TESTBED = "/testbed";

export interface DockerLimits {
  /** Memory (and memory+swap: no swap) in MiB (default 4096). */
  memoryMiB?: number;
  /** CPUs (NanoCpus; default 2). */
  cpus?: number;
  /** Most processes alive at once (default 512). */
  pidsLimit?: number;
}

export interface DockerRuntimeOptions {
  /** A dockerode client (default: one for DOCKER_HOST, or the local socket). */
  docker?: Docker;
  /** Where instance images are looked up: `swebench` (default), `xingyaoww` (SWE-Gym), or any other. */
  imageNamespace?: string;
  limits?: DockerLimits;
  /** A name for this run, in the owner label (default: random). */
  runId?: string;
  /** Try `docker pull` when an image is missing (default true). */
  pull?: boolean;
  /** The command that builds a missing image, for the error (default: sealign images build). */
  buildHint?: (task: Task, image: string) => string;
  /** Limit of each control call to the daemon (create, start, inspect, remove; default 60 s). */
  apiTimeoutMs?: number;
}

/** A task's base in the docker backend: the image its environments start from. */
export interface DockerTaskBase extends TaskBase {
  readonly image: string;
}

/** The daemon cannot be reached: bad input to the command (exit 2) naming where it looked. */
export class DockerUnavailableError extends InputError {
  constructor(where: string, cause: string) {
    super(
      `no Docker daemon answers at ${where} (${cause}); start one (scripts/setup-docker.sh starts dockerd), point DOCKER_HOST at one (Podman: its Docker-compatible socket), or use --runtime local`,
      { field: "--runtime docker" },
    );
    this.name = "DockerUnavailableError";
  }
}

/** A task's image is neither on the daemon nor pullable: names the image and how to build it. */
export class ImageMissingError extends InputError {
  readonly image: string;
  constructor(taskId: string, image: string, buildCommand: string, pullError: string | null) {
    super(
      `task ${taskId}: image ${image} is not on the daemon${pullError ? ` and cannot be pulled (${pullError})` : ""}; build it with: ${buildCommand}`,
      { field: "image" },
    );
    this.name = "ImageMissingError";
    this.image = image;
  }
}

/**
 * The instance image of a task: its `image` field, else the harness's naming in `namespace`
 * (`<ns>/sweb.eval.x86_64.<id, lower case, "__" -> "_1776_">:latest`, src/images/naming.ts), or
 * SWE-Gym's under `xingyaoww` (`"__" -> "_s_"`).
 */
export function taskImageName(task: Task, namespace = SWEBENCH_NAMESPACE): string {
  const own = (task as { image?: unknown }).image;
  if (typeof own === "string" && own.trim()) return own.trim();
  if (namespace === "xingyaoww") return swegymImageName(task.instance_id);
  return instanceImageName(task.instance_id, { namespace });
}

/** Where dockerode talks to, for messages. */
function daemonAddress(): string {
  return process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

/** True when the error is a failure to reach the daemon at all (not an API error). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === "ECONNREFUSED" ||
    code === "ENOENT" ||
    code === "EACCES" ||
    code === "ECONNRESET" ||
    code === "EHOSTUNREACH" ||
    code === "ENOTFOUND" ||
    code === "ETIMEDOUT" ||
    code === "EPIPE"
  );
}

/** `promise`, or an error saying what did not answer within `ms`. */
async function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new DockerUnavailableError(daemonAddress(), `${what} got no answer in ${ms / 1000} s`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The start time of a process (clock ticks since boot), to tell a live owner from a reused pid. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Bash that signals a process tree inside the container: `$1` root pid, `$2` signal name, `$3`
 * 1 to signal the root (and its process group) too. Descendants are found from /proc (ps may be
 * missing in an image); SIGKILL is repeated while new children appear (a fork bomb).
 */
const KILL_TREE = `root=$1; sig=$2; self=$3
kids() {
  declare -A children=()
  local d s p
  for d in /proc/[0-9]*; do
    s=$(<"$d/stat") || continue
    p=\${d#/proc/}; s=\${s##*) }; set -- $s
    children[$2]+=" $p"
  done
  local queue=("$root") out=() q c
  while ((\${#queue[@]})); do
    q=\${queue[0]}; queue=("\${queue[@]:1}")
    for c in \${children[$q]}; do out+=("$c"); queue+=("$c"); done
  done
  echo "\${out[@]}"
}
rounds=1; [ "$sig" = KILL ] && rounds=50
for ((i = 0; i < rounds; i++)); do
  pids=$(kids 2>/dev/null)
  [ "$self" = 1 ] && [ -e "/proc/$root" ] && pids="$root $pids"
  [ -z "\${pids// /}" ] && break
  kill -s "$sig" $pids 2>/dev/null
  [ "$self" = 1 ] && kill -s "$sig" -- "-$root" 2>/dev/null
done
exit 0`;

/** Splits Docker's multiplexed attach stream (8-byte frame headers) into stdout and stderr. */
class Demuxer {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (stream: 1 | 2, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) return;
      const type = this.pending[0] === 2 ? 2 : 1;
      this.onFrame(type, this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
    }
  }
}

/** Bounded collector of bytes (keeps the first `max`). */
class Capped {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  add(chunk: Buffer): void {
    if (this.size < this.max) this.chunks.push(chunk.subarray(0, this.max - this.size));
    this.size += chunk.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Open containers of this process, removed on SIGINT/SIGTERM. */
const openContainers = new Map<string, { docker: Docker; id: string }>();
let signalHandlersInstalled = false;

function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  let removing: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    // the command stops gracefully on its own (collect): it closes its environments itself, and
    // if it dies of the signal instead, that reaches this handler again as the only listener
    if (process.listenerCount(signal) > 1) return;
    removing ??= (async () => {
      const all = [...openContainers.values()];
      openContainers.clear();
      await Promise.race([
        Promise.allSettled(all.map((c) => c.docker.getContainer(c.id).remove({ force: true }))),
        new Promise((r) => setTimeout(r, 10_000)),
      ]);
    })();
    void removing.then(() => {
      removing = null;
      // no other listener: the signal's default action (death) is what the process wanted
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      signalHandlersInstalled = false;
      process.kill(process.pid, signal);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

export class DockerRuntime implements Runtime {
  readonly name = "docker" as const;
  readonly docker: Docker;
  private readonly namespace: string;
  private readonly limits: Required<DockerLimits>;
  private readonly runId: string;
  private readonly pull: boolean;
  private readonly apiTimeoutMs: number;
  private readonly buildHint: (task: Task, image: string) => string;
  private readonly owner: string;
  private swept: Promise<void> | null = null;
  /** Environments opened and not yet closed. */
  private readonly open_ = new Set<DockerEnvironment>();

  constructor(options: DockerRuntimeOptions = {}) {
    this.docker = options.docker ?? new Docker();
    this.namespace = options.imageNamespace ?? SWEBENCH_NAMESPACE;
    this.limits = {
      memoryMiB: options.limits?.memoryMiB ?? 4096,
      cpus: options.limits?.cpus ?? 2,
      pidsLimit: options.limits?.pidsLimit ?? 512,
    };
    this.runId = (options.runId ?? randomBytes(4).toString("hex")).replace(/[^A-Za-z0-9_.-]/g, "_");
    this.pull = options.pull ?? true;
    this.apiTimeoutMs = options.apiTimeoutMs ?? 60_000;
    this.buildHint =
      options.buildHint ??
      ((task) =>
        `sealign images build --tasks <tasks file> --repos <repos dir> --instance ${task.instance_id}${this.namespace === SWEBENCH_NAMESPACE ? "" : ` --namespace ${this.namespace}`}`);
    this.owner = `${hostname()}/${process.pid}/${processStart(process.pid) ?? "0"}/${this.runId}`;
  }

  /** Fails with DockerUnavailableError unless the daemon answers. */
  async ping(): Promise<void> {
    try {
      await deadline(this.docker.ping(), Math.min(this.apiTimeoutMs, 15_000), "ping");
    } catch (error) {
      if (error instanceof DockerUnavailableError) throw error;
      throw new DockerUnavailableError(daemonAddress(), (error as Error).message);
    }
  }

  /** A control call to the daemon with a deadline; connection failures become DockerUnavailableError. */
  private async api<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await deadline(call(), this.apiTimeoutMs, what);
    } catch (error) {
      if (isConnectionError(error))
        throw new DockerUnavailableError(daemonAddress(), (error as Error).message);
      throw error;
    }
  }

  async prepare(task: Task): Promise<DockerTaskBase> {
    // what a killed earlier run left behind goes first, once per runtime
    this.swept ??= this.sweepContainers().then(() => undefined);
    await this.swept;
    const image = taskImageName(task, this.namespace);
    await this.ensureImage(task, image);
    let baseCommit = task.base_commit;
    if (!baseCommit) {
      // the image's repository is at the task's base: read its HEAD once, in a throwaway container
      const env = await this.openImage(image, "", `base-${task.instance_id}`);
      try {
        const head = await env.exec("git rev-parse HEAD", { timeoutMs: 30_000 });
        if (head.exitCode !== 0)
          throw new Error(`${image}: no git repository at ${TESTBED}: ${head.output.trim()}`);
        baseCommit = head.stdout.trim();
      } finally {
        await env.close();
      }
    }
    return { task, baseCommit, image };
  }

  private async ensureImage(task: Task, image: string): Promise<void> {
    try {
      await this.api("image inspect", () => this.docker.getImage(image).inspect());
      return;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    let pullError: string | null = null;
    if (this.pull) {
      try {
        const stream = await this.api("pull", () => this.docker.pull(image));
        await new Promise<void>((resolve, reject) =>
          this.docker.modem.followProgress(
            stream,
            (error: Error | null, output: Array<{ error?: string }>) => {
              const failed = output?.find((m) => m.error);
              if (error || failed) reject(error ?? new Error(failed?.error));
              else resolve();
            },
          ),
        );
        return;
      } catch (error) {
        if (error instanceof DockerUnavailableError) throw error;
        pullError = (error as Error).message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, "").trim();
      }
    }
    throw new ImageMissingError(task.instance_id, image, this.buildHint(task, image), pullError);
  }

  async open(base: TaskBase, options: OpenOptions = {}): Promise<Environment> {
    const image = (base as DockerTaskBase).image;
    if (!image) throw new Error("docker runtime: this base was not prepared by a DockerRuntime");
    return this.openImage(image, base.baseCommit, options.name ?? base.task.instance_id);
  }

  /** Create and start a container from `image` (limits, no network, owner label). */
  async openImage(image: string, baseCommit: string, name: string): Promise<DockerEnvironment> {
    await this.ping();
    installSignalHandlers();
    const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60);
    const memory = this.limits.memoryMiB * 1024 * 1024;
    const container = await this.api("container create", () =>
      this.docker.createContainer({
        name: `sealign-${safe}-${randomBytes(4).toString("hex")}`,
        Image: image,
        // sleep as the container's main process, under docker-init so zombies are reaped
        Entrypoint: ["sleep"],
        Cmd: ["infinity"],
        WorkingDir: TESTBED,
        Labels: { [OWNER_LABEL]: this.owner },
        NetworkDisabled: true,
        Tty: false,
        HostConfig: {
          NetworkMode: "none",
          Init: true,
          Memory: memory,
          MemorySwap: memory,
          NanoCpus: Math.round(this.limits.cpus * 1e9),
          PidsLimit: this.limits.pidsLimit,
          AutoRemove: false,
        },
      }),
    );
    openContainers.set(container.id, { docker: this.docker, id: container.id });
    try {
      await this.api("container start", () => container.start());
    } catch (error) {
      openContainers.delete(container.id);
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
    const env = new DockerEnvironment(container, baseCommit, this.apiTimeoutMs, () => this.open_.delete(env));
    this.open_.add(env);
    return env;
  }

  /** Remove every container this runtime opened that is still open. */
  async close(): Promise<void> {
    const mine = [...this.open_].map((env) => env.close().catch(() => undefined));
    await Promise.all(mine);
  }

  async release(_base: TaskBase): Promise<void> {
    // the image is kept: images are shared across tasks and runs
  }

  /**
   * Remove containers a killed sealign process left: those with the owner label whose owner
   * (same host) is no longer alive. Containers of live processes, and of other hosts sharing the
   * daemon, are left alone.
   */
  async sweep(): Promise<void> {
    await this.sweepContainers();
  }

  /** `sweep`, returning the ids of the containers it removed. */
  async sweepContainers(): Promise<string[]> {
    const containers = await this.api("container list", () =>
      this.docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } }),
    );
    const removed: string[] = [];
    for (const info of containers) {
      const [host, pid, start] = (info.Labels[OWNER_LABEL] ?? "").split("/");
      if (host !== hostname() || !pid) continue;
      if (Number(pid) === process.pid) continue;
      const alive = processStart(Number(pid));
      if (alive !== null && alive === start) continue;
      await this.docker
        .getContainer(info.Id)
        .remove({ force: true })
        .then(() => removed.push(info.Id))
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        });
    }
    return removed;
  }
}

/** Why a container is gone, when it is: OOM, exit, or removal. */
async function containerGoneReason(container: Docker.Container): Promise<string | null> {
  try {
    const info = await deadline(container.inspect(), 30_000, "container inspect");
    if (info.State.Running) return null;
    if (info.State.OOMKilled) return "the container was killed for running out of memory (OOM)";
    return `the container stopped (exit ${info.State.ExitCode}${info.State.Error ? `: ${info.State.Error}` : ""})`;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return "the container was removed";
    if (isConnectionError(error) || error instanceof DockerUnavailableError)
      return `the Docker daemon stopped answering (${(error as Error).message})`;
    return null;
  }
}

/** One container over the instance's /testbed. */
export class DockerEnvironment implements Environment {
  readonly workdir = TESTBED;
  readonly isolation = "docker";
  readonly pidsLimit = "container" as const;
  readonly baseCommit: string;
  readonly containerId: string;
  private closedFlag = false;
  private readonly shells = new Set<Shell>();
  /** OOM kills seen so far in this (fresh) container's memory cgroup. */
  private oomKills = 0;

  constructor(
    private readonly container: Docker.Container,
    baseCommit: string,
    private readonly apiTimeoutMs: number,
    private readonly onClose: () => void = () => {},
  ) {
    this.baseCommit = baseCommit;
    this.containerId = container.id;
  }

  /** Start a process in the container, attached; resolves with its stream. */
  private async startExec(
    cmd: string[],
    options: { stdin: boolean; env?: Record<string, string>; cwd?: string },
  ): Promise<{ exec: Docker.Exec; stream: Duplex }> {
    if (this.closedFlag) throw new Error("the environment is closed");
    try {
      const exec = await deadline(
        this.container.exec({
          Cmd: cmd,
          AttachStdin: options.stdin,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          WorkingDir: options.cwd ?? TESTBED,
          Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
        }),
        this.apiTimeoutMs,
        "exec create",
      );
      const stream = (await deadline(
        exec.start({ hijack: true, stdin: options.stdin }),
        this.apiTimeoutMs,
        "exec start",
      )) as Duplex;
      return { exec, stream };
    } catch (error) {
      const gone = await containerGoneReason(this.container);
      if (gone) throw new Error(`docker exec failed: ${gone}`);
      if (isConnectionError(error))
        throw new DockerUnavailableError(daemonAddress(), (error as Error).message);
      throw error;
    }
  }

  /** The exit code of a finished exec (waits briefly for the daemon to record it). */
  private async exitCodeOf(exec: Docker.Exec): Promise<number | null> {
    for (let i = 0; i < 50; i++) {
      const info = await deadline(exec.inspect(), this.apiTimeoutMs, "exec inspect").catch(() => null);
      if (!info) return null;
      if (!info.Running) return info.ExitCode ?? null;
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  }

  /** OOM kills recorded by the container's memory cgroup so far (v2 memory.events, v1 oom_control). */
  private async readOomKills(): Promise<number | null> {
    const read = await this.rawExec(
      "cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null",
      10_000,
    ).catch(() => null);
    const m = read ? /oom_kill (\d+)/.exec(read) : null;
    return m ? Number(m[1]) : null;
  }

  /** A helper exec of sealign's own (no stdin, output returned). */
  private async rawExec(command: string, timeoutMs: number, args: string[] = []): Promise<string> {
    const { stream } = await this.startExec(["bash", "-c", command, "sealign", ...args], { stdin: false });
    const out = new Capped(1024 * 1024);
    const demux = new Demuxer((_, payload) => out.add(payload));
    stream.on("data", (chunk: Buffer) => demux.push(chunk));
    await deadline(
      new Promise<void>((resolve) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", () => resolve());
      }),
      timeoutMs,
      "helper exec",
    );
    return out.text();
  }

  /** Signal the process tree rooted at `pid` (in the container's pid namespace). */
  async signalTree(pid: number, signal: "SIGINT" | "SIGKILL", includeRoot: boolean): Promise<void> {
    await this.rawExec(KILL_TREE, 30_000, [String(pid), signal.slice(3), includeRoot ? "1" : "0"]).catch(
      () => undefined,
    );
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const max = options.maxOutputBytes ?? 16 * 1024 * 1024;
    const pidFile = `/tmp/.sealign-exec-${randomBytes(6).toString("hex")}`;
    // the root bash records its pid so a time-out can kill its whole tree from inside
    const wrapper = `echo $$ >${pidFile}; trap 'rm -f ${pidFile}' EXIT; eval "$1"`;
    const { exec, stream } = await this.startExec(["bash", "-c", wrapper, "sealign", command], {
      stdin: options.stdin !== undefined,
      env: options.env,
      cwd: options.cwd,
    });
    const all = new Capped(max);
    const out = new Capped(max);
    const demux = new Demuxer((type, payload) => {
      all.add(payload);
      if (type === 1) out.add(payload);
    });
    stream.on("data", (chunk: Buffer) => demux.push(chunk));
    if (options.stdin !== undefined) {
      stream.on("error", () => undefined);
      stream.write(options.stdin);
    }
    // half-close: the command sees end of input (its stdin is /dev/null when none was given)
    if (options.stdin !== undefined) stream.end();
    let timedOut = false;
    const ended = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    let backstop: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.rawExec(
        `kill_root=$(cat ${pidFile} 2>/dev/null) && bash -c "$1" _ "$kill_root" KILL 1`,
        30_000,
        [KILL_TREE],
      ).catch(() => undefined);
      // a daemon that no longer answers never ends the stream: drop it rather than hang
      backstop = setTimeout(() => stream.destroy(), this.apiTimeoutMs);
    }, options.timeoutMs);
    await ended;
    clearTimeout(timer);
    clearTimeout(backstop);
    const exitCode = await this.exitCodeOf(exec);
    let signal: string | null = null;
    if (timedOut) signal = "SIGKILL";
    let oomKilled = false;
    if (!timedOut && exitCode === 137) {
      // SIGKILL not sent by us: the kernel's OOM killer, if the cgroup counted one more kill
      const now = await this.readOomKills();
      if (now !== null && now > this.oomKills) {
        oomKilled = true;
        this.oomKills = now;
      }
      signal = "SIGKILL";
    }
    if (exitCode === null && !timedOut) {
      const gone = await containerGoneReason(this.container);
      if (gone) throw new Error(`command did not finish: ${gone}`);
    }
    let output = all.text();
    if (oomKilled)
      output += "\n[sealign: the command was killed for exceeding the container's memory limit (OOM)]";
    return {
      output,
      stdout: out.text(),
      exitCode: timedOut ? null : exitCode,
      signal,
      timedOut,
      durationMs: Date.now() - started,
      ...(oomKilled ? { oomKilled: true } : {}),
    };
  }

  async startShell(): Promise<Shell> {
    const { stream } = await this.startExec(["bash", "--noprofile", "--norc"], { stdin: true });
    const shell = new MarkerShell();
    const decoders = { 1: new StringDecoder("utf8"), 2: new StringDecoder("utf8") };
    const demux = new Demuxer((type, payload) => shell.feed(decoders[type].write(payload)));
    stream.on("data", (chunk: Buffer) => demux.push(chunk));
    stream.on("end", () => shell.ended());
    stream.on("close", () => shell.ended());
    stream.on("error", () => shell.ended());
    let shellPid = 0;
    const transport: ShellTransport = {
      write: (text) => {
        if (!stream.destroyed) stream.write(text);
      },
      signalCommand: async (signal) => {
        if (shellPid) await this.signalTree(shellPid, signal, false);
      },
      destroy: async () => {
        // kill what the shell started and the shell itself, then drop the connection
        if (shellPid && !stream.destroyed && !stream.readableEnded)
          await this.signalTree(shellPid, "SIGKILL", true);
        stream.destroy();
      },
    };
    shellPid = await shell.attach(transport);
    this.shells.add(shell);
    return shell;
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const shell of this.shells) await shell.close().catch(() => undefined);
    try {
      await deadline(this.container.remove({ force: true }), this.apiTimeoutMs, "container remove");
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw error;
    } finally {
      openContainers.delete(this.containerId);
      this.onClose();
    }
  }
}

/** True when a Docker daemon answers (DOCKER_HOST or the local socket) within `timeoutMs`. */
export async function dockerAnswers(docker: Docker = new Docker(), timeoutMs = 3000): Promise<boolean> {
  try {
    await deadline(docker.ping(), timeoutMs, "ping");
    return true;
  } catch {
    return false;
  }
}
