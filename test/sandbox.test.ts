import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSandboxed } from "../src/sandbox/bwrap.js";
import { pidsParent } from "../src/sandbox/pids.js";
import {
  type BaseWorkspace,
  cloneWorkspace,
  diffAgainstBase,
  prepareBase,
  removeWorkspace,
} from "../src/sandbox/workspace.js";
import { parseTask } from "../src/schema/validate.js";

const task = parseTask({
  instance_id: "inline-1",
  problem_statement: "fix it",
  files: { "main.py": "print(1)\n", "pkg/util.txt": "hi\n", "logo.bin": "\u0000\u0001binary" },
});

describe("sandboxed workspaces", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await removeWorkspace(dir);
  });

  async function fresh(): Promise<{ base: BaseWorkspace; ws: string }> {
    const base = await prepareBase(task);
    const ws = await cloneWorkspace(base, { name: task.instance_id });
    made.push(base.dir, ws);
    return { base, ws };
  }

  it("commits inline files as the base and diffs edits against it, leaving binary files out", async () => {
    const { base, ws } = await fresh();
    const result = await runSandboxed(
      "echo bye > pkg/util.txt && printf '\\x00\\x02' > logo.bin && echo new > added.py && python3 main.py",
      { workspace: ws, timeoutMs: 20_000 },
    );
    expect(result.output).toBe("1\n");
    expect(result.exitCode).toBe(0);
    const patch = await diffAgainstBase(ws, base.baseCommit);
    expect(patch).toContain("diff --git a/pkg/util.txt b/pkg/util.txt");
    expect(patch).toContain("+bye");
    expect(patch).toContain("+++ b/added.py");
    expect(patch).not.toContain("logo.bin");
    // the base is untouched by the episode's edits
    const again = await cloneWorkspace(base);
    made.push(again);
    expect(await diffAgainstBase(again, base.baseCommit)).toBe("");
  });

  it("mounts the workspace at /workspace, hides home and /work, blocks writes outside and the network", async () => {
    const { ws } = await fresh();
    const secret = join(homedir(), `.sealign-test-secret-${process.pid}`);
    writeFileSync(secret, "secret\n");
    const result = await runSandboxed(
      [
        "pwd",
        "touch /etc/sealign-escape 2>/dev/null && echo ESCAPED-ETC",
        `cat ${secret} 2>/dev/null && echo READ-HOME-SECRET`,
        "test -e /work && echo WORK-VISIBLE",
        "timeout 2 bash -c 'echo > /dev/tcp/127.0.0.1/22' 2>/dev/null && echo NET-OPEN",
        "echo done",
      ].join("; "),
      { workspace: ws, timeoutMs: 20_000 },
    );
    rmSync(secret);
    expect(result.output.split("\n")).toEqual(["/workspace", "done", ""]);
  });

  it("kills a command that runs past its time limit and says so", async () => {
    const { ws } = await fresh();
    const result = await runSandboxed("while true; do :; done", { workspace: ws, timeoutMs: 700 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
  });
  it.runIf(pidsParent() !== null)(
    "contains a fork bomb in a one-shot command and leaves no process behind",
    async () => {
      const { ws } = await fresh();
      const bomb = await runSandboxed("b() { b | b & }; b; sleep 1; echo still-here", {
        workspace: ws,
        timeoutMs: 20_000,
        maxProcesses: 48,
      });
      expect(bomb.output).toMatch(/Resource temporarily unavailable/);
      expect(bomb.output).toContain("still-here");
      // a daemon started by a command goes with the sandbox
      const marker = `sealign-daemon-${process.pid}`;
      await runSandboxed(
        `setsid bash -c 'exec -a ${marker} sleep 300' >/dev/null 2>&1 < /dev/null & echo started`,
        {
          workspace: ws,
          timeoutMs: 20_000,
        },
      );
      const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
      expect(ps).not.toContain(marker);
      expect(readdirSync(pidsParent() as string).filter((d) => d.startsWith(`run-${process.pid}-`))).toEqual(
        [],
      );
    },
    60_000,
  );
});
