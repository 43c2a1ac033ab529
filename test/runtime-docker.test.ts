import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect } from "../src/collect/run.js";
import { InputError } from "../src/errors.js";
import {
  DockerRuntime,
  DockerUnavailableError,
  ImageMissingError,
  OWNER_LABEL,
  taskImageName,
} from "../src/runtime/docker.js";
import { chooseRuntime, parseRuntimeName } from "../src/runtime/select.js";
import type { Environment } from "../src/runtime/types.js";
import { TaskSchema } from "../src/schema/task.js";
import { readTrajectories } from "../src/trajectories/read.js";
import { callMessage, startScriptedServer, toolCall } from "./doubles/scripted-openai-server.js";
import { docker, dockerSkipReason, repoImage } from "./helpers/docker.js";
import { CLI, REPO_ROOT, tempDir } from "./helpers/paths.js";

const task = (fields: Record<string, unknown>) =>
  TaskSchema.parse({ instance_id: "demo__repo-1", problem_statement: "x", ...fields });

describe("instance image names", () => {
  it("follows SWE-bench's and SWE-Gym's naming, and a task's own image", () => {
    const t = task({ instance_id: "pytest-dev__pytest-11143" });
    expect(taskImageName(t)).toBe("swebench/sweb.eval.x86_64.pytest-dev_1776_pytest-11143:latest");
    expect(taskImageName(t, "myorg")).toBe("myorg/sweb.eval.x86_64.pytest-dev_1776_pytest-11143:latest");
    expect(taskImageName(t, "xingyaoww")).toBe("xingyaoww/sweb.eval.x86_64.pytest-dev_s_pytest-11143:latest");
    expect(taskImageName(task({ instance_id: "Org__Repo-2" }))).toBe(
      "swebench/sweb.eval.x86_64.org_1776_repo-2:latest",
    );
    expect(taskImageName(task({ image: "local/own:1" }), "xingyaoww")).toBe("local/own:1");
  });
});

describe("choosing the runtime", () => {
  const inline = task({ instance_id: "inline-1", files: { "a.py": "x = 1\n" } });
  const repo = task({ instance_id: "org__repo-1", repo: "org/repo", base_commit: "abc" });
  const noLocal = { hasLocalRepository: () => false };
  it("--runtime is checked", () => {
    expect(parseRuntimeName("docker")).toBe("docker");
    expect(parseRuntimeName(undefined)).toBeUndefined();
    expect(() => parseRuntimeName("podman")).toThrow(/unknown runtime "podman"; use one of local, docker/);
  });
  it("defaults: local when every task has a local environment, docker when a daemon answers, else an error naming both ways", async () => {
    expect(await chooseRuntime([inline], { ...noLocal, dockerAnswers: async () => true })).toBe("local");
    expect(await chooseRuntime([inline, repo], { hasLocalRepository: () => true })).toBe("local");
    expect(await chooseRuntime([inline, repo], { ...noLocal, dockerAnswers: async () => true })).toBe(
      "docker",
    );
    const error = await chooseRuntime([inline, repo], { ...noLocal, dockerAnswers: async () => false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/org__repo-1/);
    expect((error as Error).message).toMatch(/--runtime docker/);
    expect((error as Error).message).toMatch(/--repos DIR and use --runtime local/);
    expect(await chooseRuntime([repo], { requested: "local", ...noLocal })).toBe("local");
  });
});

/** A repository task whose tests are `python3 test_hello.py`, in an image, with its gold patch. */
const HELLO_PATCH = [
  "diff --git a/hello.py b/hello.py",
  "--- a/hello.py",
  "+++ b/hello.py",
  "@@ -1 +1,2 @@",
  "-print('hi')",
  "+def greet():",
  "+    return 'hi'",
  "",
].join("\n");
const helloTask = (image: string, id = "demo__hello-1") => ({
  instance_id: id,
  repo: "demo/hello",
  problem_statement: "hello.py should define greet() returning 'hi'",
  image,
  patch: HELLO_PATCH,
  test_files: { "test_hello.py": "from hello import greet\nassert greet() == 'hi'\nprint('ok')\n" },
  test_command: "python3 test_hello.py",
});

describe("a daemon that is down", () => {
  it("a daemon that accepts but never answers is an error after the deadline, not a hang", async () => {
    const { createServer } = await import("node:net");
    const socketPath = join(tempDir("sealign-hung-daemon-"), "docker.sock");
    const server = createServer(() => {
      // accept, read, never answer
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    try {
      const runtime = new DockerRuntime({ docker: new Docker({ socketPath }), apiTimeoutMs: 1000 });
      const started = Date.now();
      const error = await runtime.prepare(task({ image: "x/y:1" })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DockerUnavailableError);
      expect((error as Error).message).toMatch(/got no answer in 1 s/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      server.close();
    }
  });

  it("validate --runtime docker exits 2 with a message naming both ways", () => {
    const dir = tempDir("sealign-docker-down-");
    writeFileSync(join(dir, "tasks.json"), JSON.stringify([helloTask("x/y:1")]));
    writeFileSync(
      join(dir, "preds.jsonl"),
      `${JSON.stringify({ instance_id: "demo__hello-1", model_name_or_path: "m", model_patch: HELLO_PATCH })}\n`,
    );
    const run = spawnSync(
      process.execPath,
      [
        CLI,
        "validate",
        join(dir, "preds.jsonl"),
        "--tasks",
        join(dir, "tasks.json"),
        "-o",
        join(dir, "out"),
        "--runtime",
        "docker",
        "-q",
      ],
      { encoding: "utf8", env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" } },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no Docker daemon answers at unix:\/\/\/nonexistent\/docker.sock/);
    expect(run.stderr).toMatch(/--runtime local/);
  });

  it("is a clear input error naming where it looked and both ways out", async () => {
    const runtime = new DockerRuntime({ docker: new Docker({ socketPath: "/nonexistent/docker.sock" }) });
    const error = await runtime.prepare(task({})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DockerUnavailableError);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/no Docker daemon answers/);
    expect((error as Error).message).toMatch(/--runtime local/);
  });
});

const skip = await dockerSkipReason();
if (skip) console.warn(skip);

describe.skipIf(skip !== null)("docker runtime (real dockerd)", () => {
  let image = "";
  const runtime = new DockerRuntime({ runId: "test", limits: { memoryMiB: 512, pidsLimit: 128, cpus: 1 } });
  const envs: Environment[] = [];
  const open = async (r = runtime) => {
    const base = await r.prepare(task({ image }));
    const env = await r.open(base, { name: "test" });
    envs.push(env);
    return env;
  };

  beforeAll(async () => {
    image = await repoImage({ "hello.py": "print('hi')\n", README: "tiny\n" });
  }, 900_000);
  afterAll(async () => {
    for (const env of envs) await env.close();
  });

  it("prepares from the image: base commit read from its repository", async () => {
    const base = await runtime.prepare(task({ image }));
    expect(base.baseCommit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("exec: stdout and stderr demultiplexed, exit code, cwd /testbed, env, stdin", async () => {
    const env = await open();
    expect(env.workdir).toBe("/testbed");
    expect(env.isolation).toBe("docker");
    const r = await env.exec("echo out; echo err >&2; pwd; ls; echo $GREETING; exit 3", {
      timeoutMs: 20_000,
      env: { GREETING: "hello there" },
    });
    expect(r.exitCode).toBe(3);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain("err");
    expect(r.stdout).not.toContain("err");
    expect(r.stdout).toContain("out\n/testbed\n");
    expect(r.stdout).toContain("hello.py");
    expect(r.stdout).toContain("hello there");
    const input = await env.exec("wc -c; python3 hello.py", { timeoutMs: 20_000, stdin: "12345\n" });
    expect(input.stdout.trim().split("\n")).toEqual(["6", "hi"]);
    const cut = await env.exec("head -c 100000 /dev/zero | tr '\\0' a", {
      timeoutMs: 20_000,
      maxOutputBytes: 1000,
    });
    expect(cut.stdout.length).toBe(1000);
    const sub = await env.exec("pwd", { timeoutMs: 20_000, cwd: "/tmp" });
    expect(sub.stdout.trim()).toBe("/tmp");
  });

  it("exec time-out kills the command's whole tree, background children too", async () => {
    const env = await open();
    const started = Date.now();
    const r = await env.exec("cp /bin/sleep /tmp/hangme; /tmp/hangme 300 & /tmp/hangme 300; echo never", {
      timeoutMs: 1500,
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.output).not.toContain("never");
    expect(Date.now() - started).toBeLessThan(15_000);
    const left = await env.exec("cat /proc/[0-9]*/comm | grep -c hangme || true", { timeoutMs: 10_000 });
    expect(left.stdout.trim()).toBe("0");
  });

  it("nothing of the host is reachable: host files stay invisible, a planted symlink resolves inside", async () => {
    const secretDir = tempDir("sealign-host-secret-");
    writeFileSync(join(secretDir, "secret.txt"), "HOST SECRET\n");
    const env = await open();
    const r = await env.exec(
      `cat ${secretDir}/secret.txt 2>&1; ln -sf ${secretDir}/secret.txt /testbed/link; cat /testbed/link 2>&1; ln -sf /etc/hostname /testbed/h; cat /testbed/h`,
      { timeoutMs: 20_000 },
    );
    expect(r.output).not.toContain("HOST SECRET");
    expect(r.output).toContain("No such file");
    // /etc/hostname through the symlink is the container's (its id), not the host's
    const id = (env as unknown as { containerId: string }).containerId;
    expect(r.stdout.trim().split("\n").at(-1)).toBe(id.slice(0, 12));
  });

  it("no network inside (--network none)", async () => {
    const env = await open();
    const r = await env.exec("ls /sys/class/net; (echo > /dev/tcp/1.1.1.1/80) 2>&1 && echo CONNECTED", {
      timeoutMs: 20_000,
    });
    expect(r.stdout.split("\n")[0]).toBe("lo");
    expect(r.output).not.toContain("CONNECTED");
    const info = await docker.getContainer((env as unknown as { containerId: string }).containerId).inspect();
    expect(info.HostConfig.NetworkMode).toBe("none");
    expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(128);
    expect(info.Config.Labels[OWNER_LABEL]).toContain(`/${process.pid}/`);
  });

  it("the memory limit holds and an OOM kill is recorded as such", async () => {
    const env = await open();
    const r = await env.exec("python3 -c \"x = b'a' * (1536 * 1024 * 1024); print('allocated')\"", {
      timeoutMs: 60_000,
    });
    expect(r.stdout).not.toContain("allocated");
    expect(r.exitCode).toBe(137);
    expect(r.oomKilled).toBe(true);
    expect(r.output).toMatch(/memory limit \(OOM\)/);
    // the environment goes on
    expect((await env.exec("echo alive", { timeoutMs: 10_000 })).stdout).toBe("alive\n");
  });

  it("the pids limit holds (a fork storm is capped)", async () => {
    const env = await open();
    const r = await env.exec(
      "for i in $(seq 300); do sleep 5 & done 2>/dev/null; ls -d /proc/[0-9]* | wc -l; kill $(jobs -p) 2>/dev/null; true",
      { timeoutMs: 60_000 },
    );
    expect(Number(r.stdout.trim().split("\n").at(-1))).toBeLessThanOrEqual(130);
  });

  it("persistent shell: cd and export persist, soft time-out, wait, C-c, hard kill, truncation", async () => {
    const env = await open();
    const shell = await env.startShell();
    const limits = { softTimeoutMs: 5000, hardTimeoutMs: 20_000 };
    expect((await shell.run("mkdir -p sub && cd sub && export X=42", limits)).exitCode).toBe(0);
    const where = await shell.run("pwd; echo $X; false", limits);
    expect(where.output).toBe("/testbed/sub\n42\n");
    expect(where.exitCode).toBe(1);

    const partial = await shell.run("echo start; sleep 3; echo end", {
      softTimeoutMs: 1000,
      hardTimeoutMs: 20_000,
    });
    expect(partial.running).toBe(true);
    expect(partial.output).toContain("start");
    expect(shell.busy).toBe(true);
    const rest = await shell.wait(limits);
    expect(rest.running).toBe(false);
    expect(rest.output).toContain("end");
    expect(rest.exitCode).toBe(0);

    const hung = await shell.run("sleep 300", { softTimeoutMs: 500, hardTimeoutMs: 20_000 });
    expect(hung.running).toBe(true);
    const stopped = await shell.interrupt(3000);
    expect(stopped.running).toBe(false);
    expect(stopped.exitCode).toBe(130);

    const typed = await shell.run("read line; echo got $line", { softTimeoutMs: 500, hardTimeoutMs: 20_000 });
    expect(typed.running).toBe(true);
    expect((await shell.sendInput("abc", limits)).output).toContain("got abc");

    const started = Date.now();
    const killed = await shell.run("sleep 300", { softTimeoutMs: 30_000, hardTimeoutMs: 1500 });
    expect(killed.killed).toBe(true);
    expect(killed.exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(15_000);
    const after = await shell.run("echo still here; pwd", limits);
    expect(after.output).toBe("still here\n/testbed/sub\n");

    const big = await shell.run("head -c 3000000 /dev/zero | tr '\\0' a; echo", limits);
    expect(big.droppedChars).toBeGreaterThan(0);
    expect(big.exitCode).toBe(0);

    const gone = await shell.run("exit 4", limits);
    expect(gone.shellExited).toBe(true);
    await shell.close();
  });

  it("close removes the container; closing twice is safe", async () => {
    const env = await open();
    const id = (env as unknown as { containerId: string }).containerId;
    await env.close();
    await env.close();
    const error = await docker
      .getContainer(id)
      .inspect()
      .catch((e: { statusCode?: number }) => e);
    expect((error as { statusCode?: number }).statusCode).toBe(404);
  });

  it("a missing image that cannot be pulled: the error names the image and the build command", async () => {
    const r = new DockerRuntime({ imageNamespace: "sealign-test-missing" });
    const error = await r.prepare(task({ instance_id: "nope__nope-1" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageMissingError);
    expect((error as Error).message).toContain(
      "sealign-test-missing/sweb.eval.x86_64.nope_1776_nope-1:latest",
    );
    expect((error as Error).message).toContain("sealign images build");
  });

  it("validate --runtime docker: the gold patch resolves in the container, a wrong one does not, a missing image is recorded and the run goes on", () => {
    const dir = tempDir("sealign-docker-validate-");
    writeFileSync(
      join(dir, "tasks.json"),
      JSON.stringify([
        helloTask(image),
        helloTask(image, "demo__hello-2"),
        helloTask("sealign-test/absent:never", "demo__absent-1"),
      ]),
    );
    const wrong = HELLO_PATCH.replace("return 'hi'", "return 'bye'");
    const preds = [
      { instance_id: "demo__hello-1", model_name_or_path: "m", model_patch: HELLO_PATCH },
      { instance_id: "demo__hello-2", model_name_or_path: "m", model_patch: wrong },
      { instance_id: "demo__absent-1", model_name_or_path: "m", model_patch: HELLO_PATCH },
    ];
    writeFileSync(join(dir, "preds.jsonl"), preds.map((p) => JSON.stringify(p)).join("\n"));
    const args = [CLI, "validate", join(dir, "preds.jsonl"), "--tasks", join(dir, "tasks.json")];
    const run = spawnSync(
      process.execPath,
      [...args, "-o", join(dir, "out"), "--runtime", "docker", "--no-cache", "--parser", "exit-code", "-q"],
      {
        encoding: "utf8",
        timeout: 180_000,
      },
    );
    expect(run.stderr).toBe("");
    const report = JSON.parse(readFileSync(join(dir, "out", "report.json"), "utf8"));
    expect(report["demo__hello-1"].resolved).toBe(true);
    expect(report["demo__hello-2"].resolved).toBe(false);
    expect(report["demo__hello-2"].error).toBeNull();
    expect(report["demo__absent-1"].resolved).toBe(false);
    expect(report["demo__absent-1"].error).toMatch(/image sealign-test\/absent:never is not on the daemon/);
    expect(report["demo__absent-1"].error).toMatch(/sealign images build/);
  }, 240_000);

  it("a validate --runtime docker killed mid-run leaves no container, and its rerun resumes", async () => {
    const dir = tempDir("sealign-docker-kill-");
    const slow = { ...helloTask(image, "demo__slow-1"), test_command: "sleep 120; python3 test_hello.py" };
    const tasksFile = join(dir, "tasks.json");
    writeFileSync(tasksFile, JSON.stringify([helloTask(image), slow]));
    const preds = ["demo__hello-1", "demo__slow-1"].map((id) =>
      JSON.stringify({ instance_id: id, model_name_or_path: "m", model_patch: HELLO_PATCH }),
    );
    writeFileSync(join(dir, "preds.jsonl"), preds.join("\n"));
    const args = [CLI, "validate", join(dir, "preds.jsonl"), "--tasks", tasksFile, "-o", join(dir, "out")];
    const flags = ["--runtime", "docker", "--no-cache", "--parser", "exit-code", "-j", "1", "-q"];
    const child = spawn(process.execPath, [...args, ...flags], { stdio: "ignore" });
    const exit = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_, signal) => r(signal)));
    const mine = () =>
      docker
        .listContainers({ all: true, filters: { label: [OWNER_LABEL] } })
        .then((list) => list.filter((c) => c.Labels[OWNER_LABEL]?.includes(`/${child.pid}/`)));
    const results = join(dir, "out", "results.jsonl");
    const lines = () => {
      try {
        return readFileSync(results, "utf8").split("\n").filter(Boolean).length;
      } catch {
        return 0;
      }
    };
    // the fast item is recorded and the slow one's container is up
    for (let i = 0; i < 300 && !(lines() === 1 && (await mine()).length === 1); i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(lines()).toBe(1);
    expect((await mine()).length).toBe(1);
    child.kill("SIGTERM");
    expect(await exit).toBe("SIGTERM");
    expect(await mine()).toEqual([]);
    // rerun (the slow task's tests made quick): the recorded item is kept, the other one runs
    writeFileSync(
      tasksFile,
      JSON.stringify([helloTask(image), { ...slow, test_command: "python3 test_hello.py" }]),
    );
    const rerun = spawnSync(process.execPath, [...args, ...flags], { encoding: "utf8", timeout: 120_000 });
    expect(rerun.status).toBe(0);
    // the item recorded before the kill was not run again (an error recorded while stopping is retried)
    const ids = readFileSync(results, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l).id);
    expect(ids.filter((id) => id === "demo__hello-1")).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(dir, "out", "report.json"), "utf8"));
    expect(report["demo__hello-1"].resolved).toBe(true);
    expect(report["demo__slow-1"].resolved).toBe(true);
  }, 240_000);

  it("a collect episode with the scripted model runs in the container (docker chosen by default) and its patch validates", async () => {
    const seen: string[] = [];
    const server = await startScriptedServer((body) => {
      const messages = body.messages as { role: string; content: string }[];
      const tool = messages.filter((m) => m.role === "tool").map((m) => String(m.content));
      seen.push(...tool.slice(seen.length));
      const step = tool.length;
      if (step === 0)
        return { message: callMessage(toolCall("execute_bash", { command: "pwd; ls; ls /sys/class/net" })) };
      if (step === 1)
        return {
          message: callMessage(
            toolCall("str_replace_editor", {
              command: "str_replace",
              path: "/testbed/hello.py",
              old_str: "print('hi')",
              new_str: "def greet():\n    return 'hi'",
            }),
          ),
        };
      return { message: callMessage(toolCall("finish", { message: "done" })) };
    });
    try {
      const dir = tempDir("sealign-docker-collect-");
      const tasksFile = join(dir, "tasks.json");
      writeFileSync(tasksFile, JSON.stringify([{ ...helloTask(image), FAIL_TO_PASS: ["test_hello.py"] }]));
      const summary = await collect({
        tasksFile,
        model: "openai:scripted",
        providerOptions: { baseUrl: server.baseUrl },
        samples: 1,
        runDir: join(dir, "run"),
        validate: { timeoutMs: 60_000 },
        progress: null,
      });
      expect(summary.ran).toBe(1);
      const trajectories = [];
      for await (const t of readTrajectories(join(dir, "run", "trajectories.jsonl"))) trajectories.push(t);
      const [t] = trajectories;
      expect(seen[0]).toContain("/testbed");
      expect(seen[0]).toContain("hello.py");
      expect(seen[0]).not.toMatch(/eth0/);
      expect(t?.patch).toContain("+def greet():");
      expect(t?.outcome.resolved).toBe(true);
      const manifest = JSON.parse(readFileSync(join(dir, "run", "manifest.json"), "utf8"));
      expect(manifest.config.runtime).toBe("docker");
      // every container of the run is gone
      const left = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
      expect(
        left.filter(
          (c) =>
            c.Labels[OWNER_LABEL]?.includes(`/${process.pid}/`) &&
            c.Labels[OWNER_LABEL]?.endsWith(manifest.run_id),
        ),
      ).toEqual([]);
    } finally {
      await server.close();
    }
  }, 240_000);

  it("collect --runtime docker stopped with SIGINT closes its containers itself (exit 130)", async () => {
    const server = await startScriptedServer(() => ({
      message: callMessage(toolCall("execute_bash", { command: "sleep 100", timeout: 200 })),
    }));
    try {
      const dir = tempDir("sealign-docker-collect-stop-");
      writeFileSync(join(dir, "tasks.json"), JSON.stringify([helloTask(image)]));
      const child = spawn(
        process.execPath,
        [
          CLI,
          "collect",
          "--tasks",
          join(dir, "tasks.json"),
          "--model",
          "openai:scripted",
          "--base-url",
          server.baseUrl,
          "-o",
          join(dir, "run"),
          "--runtime",
          "docker",
          "--quiet",
        ],
        { stdio: "ignore", env: { ...process.env, OPENAI_API_KEY: "test" } },
      );
      const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      const mine = () =>
        docker
          .listContainers({ all: true, filters: { label: [OWNER_LABEL] } })
          .then((list) => list.filter((c) => c.Labels[OWNER_LABEL]?.includes(`/${child.pid}/`)));
      for (let i = 0; i < 300 && (await mine()).length === 0; i++)
        await new Promise((r) => setTimeout(r, 200));
      expect((await mine()).length).toBe(1);
      await new Promise((r) => setTimeout(r, 1000)); // the command is running in it
      child.kill("SIGINT");
      expect(await exit).toBe(130);
      expect(await mine()).toEqual([]);
    } finally {
      await server.close();
    }
  }, 120_000);

  /** A child process that opens a container, prints its id, then waits to be killed. */
  const owner = () => {
    const script = `
      import { DockerRuntime } from ${JSON.stringify(`${REPO_ROOT}/dist/runtime/docker.js`)};
      import { TaskSchema } from ${JSON.stringify(`${REPO_ROOT}/dist/schema/task.js`)};
      const r = new DockerRuntime({ runId: "owner" });
      const base = await r.prepare(TaskSchema.parse({ instance_id: "a__b-1", problem_statement: "x", image: ${JSON.stringify(image)} }));
      const env = await r.open(base);
      console.log(env.containerId);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const id = new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.on("exit", (code) => reject(new Error(`owner exited ${code} before opening`)));
    });
    return { child, id };
  };
  const exists = (id: string) =>
    docker
      .getContainer(id)
      .inspect()
      .then(() => true)
      .catch(() => false);

  it("kill -9 of the owning process leaves its container, which the next sweep removes", async () => {
    const { child, id } = owner();
    const containerId = await id;
    const sweeper = new DockerRuntime();
    // the owner is alive: its container is left alone
    expect(await sweeper.sweepContainers()).not.toContain(containerId);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(await exists(containerId)).toBe(true);
    expect(await sweeper.sweepContainers()).toContain(containerId);
    expect(await exists(containerId)).toBe(false);
  });

  it("SIGTERM of the owning process removes its container before it dies", async () => {
    const { child, id } = owner();
    const containerId = await id;
    const exit = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_, signal) => r(signal)));
    child.kill("SIGTERM");
    expect(await exit).toBe("SIGTERM");
    expect(await exists(containerId)).toBe(false);
  });
});
