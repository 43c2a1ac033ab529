import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEpisode } from "../src/agent/episode.js";
import { pidsParent } from "../src/sandbox/pids.js";
import type { Trajectory } from "../src/schema/trajectory.js";
import { parseTask } from "../src/schema/validate.js";
import { callMessage, startScriptedServer, toolCall } from "./doubles/scripted-openai-server.js";
import { bash, ScriptedProvider, turn } from "./doubles/scripted-provider.js";
import { CLI, tempDir } from "./helpers/paths.js";

const task = parseTask({
  instance_id: "sandbox-probe",
  problem_statement: "probe",
  files: { "main.py": "print(1)\n" },
});

function observations(t: Trajectory): string[] {
  return t.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
}

let server: Server;
let port: number;
let connections = 0;
beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.end("hello\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

describe("sandbox guarantees inside an episode", () => {
  it("cannot write outside the workspace, read the host's home, or open a network connection", async () => {
    const outside = tempDir("sealign-outside-");
    const secret = join(homedir(), `.sealign-episode-secret-${process.pid}`);
    writeFileSync(secret, "top secret\n");
    try {
      const provider = new ScriptedProvider([
        bash(`echo x > ${outside}/escaped; echo x > /etc/sealign-escaped; echo x > /escaped; ls /workspace`),
        bash(`cat ${secret}; ls ${homedir()} | wc -l`),
        bash(
          `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), timeout=2); print('CONNECTED')"`,
        ),
        turn("str_replace_editor", { command: "create", path: "/etc/evil.txt", file_text: "x" }),
        turn("str_replace_editor", { command: "view", path: "/workspace/../../etc/passwd" }),
        bash("ln -s /etc /workspace/etc-link && echo linked"),
        turn("str_replace_editor", { command: "view", path: "/workspace/etc-link/passwd" }),
        turn("finish", { message: "done" }),
      ]);
      const t = await runEpisode(task, provider);
      const obs = observations(t);
      expect(existsSync(join(outside, "escaped"))).toBe(false);
      expect(existsSync("/etc/sealign-escaped")).toBe(false);
      expect(obs[0]).toMatch(/(No such file|Read-only file system|Permission denied)/);
      expect(obs[0]).toContain("main.py");
      expect(obs[1]).not.toContain("top secret");
      expect(obs[1]).toMatch(/No such file/);
      expect(obs[2]).not.toContain("CONNECTED");
      expect(obs[2]).toMatch(/Error|refused|unreachable/i);
      expect(connections).toBe(0);
      expect(obs[3]).toMatch(/Only files under \/workspace/);
      expect(existsSync("/etc/evil.txt")).toBe(false);
      expect(obs[4]).toMatch(/Only files under \/workspace/);
      expect(obs[5]).toContain("linked");
      expect(obs[6]).toMatch(/leads outside \/workspace/);
      expect(t.outcome.exit_reason).toBe("finished");
    } finally {
      rmSync(secret, { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  }, 60_000);

  it("kills an endless loop at the command limit; the shell goes on", async () => {
    const provider = new ScriptedProvider([
      bash("python3 -c 'while True: pass'"),
      bash("echo after-loop"),
      bash("while :; do :; done"),
      bash("echo after-builtin-loop"),
      turn("finish", { message: "done" }),
    ]);
    const t = await runEpisode(task, provider, { bash: { hardTimeoutMs: 1500, softTimeoutMs: 5000 } });
    const obs = observations(t);
    expect(obs[0]).toMatch(/timed out after 2 seconds and was killed/);
    expect(obs[1]).toContain("after-loop");
    // a loop of builtins runs in the shell itself: the shell is replaced and the model is told
    expect(obs[2]).toMatch(/timed out after 2 seconds and was killed|shell exited/);
    expect(obs[3]).toMatch(/A new shell was started/);
    expect(obs[3]).toContain("after-builtin-loop");
    expect(t.outcome.exit_reason).toBe("finished");
  }, 60_000);

  // without a writable pids cgroup nothing would contain a fork bomb run as root: never run one then
  const canContainForkBomb = pidsParent() !== null;

  it.runIf(canContainForkBomb)(
    "contains a fork bomb at the process limit and removes every process after",
    async () => {
      const provider = new ScriptedProvider([
        bash("bomb() { bomb | bomb & }; bomb; sleep 2; echo bomb-returned"),
        bash("echo after-bomb"),
        turn("finish", { message: "done" }),
      ]);
      const started = Date.now();
      const t = await runEpisode(task, provider, {
        bash: { hardTimeoutMs: 3000, softTimeoutMs: 5000 },
        maxProcesses: 64,
      });
      const obs = observations(t);
      expect(obs[0]).toMatch(/Resource temporarily unavailable|timed out/);
      expect(obs[1]).toContain("after-bomb");
      expect(t.outcome.exit_reason).toBe("finished");
      expect(Date.now() - started).toBeLessThan(45_000);
      // every process of the episode is gone with its cgroup
      expect(
        readdirSync(pidsParent() as string).filter((d) => d.startsWith(`shell-${process.pid}-`)),
      ).toEqual([]);
      expect(t.metadata.episode).toMatchObject({ pids_limit: "cgroup" });
    },
    60_000,
  );

  it("ends the episode at its wall-clock limit even inside a long command", async () => {
    const provider = new ScriptedProvider([
      bash("sleep 30", { timeout: 60 }),
      turn("finish", { message: "x" }),
    ]);
    const started = Date.now();
    const t = await runEpisode(task, provider, { wallClockMs: 2000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(t.outcome.exit_reason).toBe("time_limit");
  }, 30_000);
});

describe("without bubblewrap", () => {
  it("collect refuses to run agent commands unless --unsafe-no-sandbox is given", async () => {
    // a PATH with everything collect needs except bwrap
    const bin = tempDir("sealign-nobwrap-");
    // (coreutils and findutils: the in-environment workspace operations and the size check use them)
    const tools = ["git", "sh", "bash", "prlimit", "python3", "cat", "ls", "rm", "mkdir", "env"];
    tools.push("du", "head", "mktemp", "realpath", "base64", "dirname", "find");
    for (const tool of tools) {
      const found = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
      if (found) symlinkSync(found, join(bin, tool));
    }
    const dir = tempDir();
    const tasksFile = join(dir, "tasks.json");
    writeFileSync(
      tasksFile,
      JSON.stringify([{ instance_id: "t1", problem_statement: "p", files: { "a.py": "print(1)\n" } }]),
    );
    const server = await startScriptedServer((body) => ({
      message: callMessage(
        (body.messages as unknown[]).length > 2
          ? toolCall("finish", { message: "ok" })
          : toolCall("execute_bash", { command: "pwd" }),
      ),
    }));
    try {
      // asynchronous: the scripted server answering the child lives in this process
      const run = (extra: string[]) =>
        new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const child = spawn(
            process.execPath,
            [
              CLI,
              "collect",
              "--tasks",
              tasksFile,
              "--model",
              "openai:m",
              "--base-url",
              server.baseUrl,
              "--quiet",
              "-o",
              tempDir(),
              ...extra,
            ],
            { env: { PATH: bin, HOME: process.env.HOME ?? "/root" }, stdio: ["ignore", "ignore", "pipe"] },
          );
          let stderr = "";
          child.stderr.on("data", (d) => {
            stderr += d;
          });
          child.on("exit", (status) => resolve({ status, stderr }));
        });
      const refused = await run([]);
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/bubblewrap \(bwrap\) is not installed.*--unsafe-no-sandbox/);
      const unsafe = await run(["--unsafe-no-sandbox"]);
      expect(unsafe.status, unsafe.stderr).toBe(0);
      expect(unsafe.stderr).toMatch(/finished 1/);
    } finally {
      await server.close();
    }
  }, 60_000);
});
