import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something answers PING with PONG on the port. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

/**
 * A private redis-server for one test file: loopback only, on a free port, data in a temp
 * folder (append-only file when `persistent`, nothing on disk otherwise). `restart()` stops it
 * and starts it again on the same port, as an operator's restart would.
 */
export class TestRedis {
  readonly port: number;
  readonly url: string;
  private readonly dir: string;
  private process: ChildProcess | null = null;

  private constructor(
    port: number,
    private readonly persistent: boolean,
  ) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = mkdtempSync(join(tmpdir(), "sealign-redis-"));
  }

  static async start(options: { persistent?: boolean } = {}): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), options.persistent ?? false);
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const persistence = this.persistent
      ? ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
      : ["--appendonly", "no", "--save", ""];
    this.process = spawn(
      "redis-server",
      [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--protected-mode",
        "yes",
        "--dir",
        this.dir,
        ...persistence,
      ],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 10_000;
    while (!(await pong(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stop the server (SIGKILL: no final save, as a crash). */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
