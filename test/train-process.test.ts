import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChecked, runProcess } from "../src/train/process.js";
import { tempDir } from "./helpers/paths.js";

/**
 * True while the process runs. A zombie (state Z) has already died and only waits for its new
 * parent, init, to reap it: this machine's init does that lazily, so kill(pid, 0) alone would
 * still see it for a while.
 */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
};

describe("trainer process runner", () => {
  it("streams lines (progress bars' carriage returns too) and keeps a log", async () => {
    const log = join(tempDir("sealign-proc-"), "run.log");
    const lines: string[] = [];
    const r = await runProcess("bash", ["-c", "printf 'a\\rb\\r\\nc\\n'; echo err >&2"], {
      logPath: log,
      onLine: (l) => lines.push(l),
    });
    expect(r.code).toBe(0);
    expect(lines.sort()).toEqual(["a", "b", "c", "err"]);
    expect(execFileSync("cat", [log], { encoding: "utf8" })).toContain("err");
  });

  it("kills a hanging trainer and everything it started when the time is up", async () => {
    const pidFile = join(tempDir("sealign-proc-"), "pid");
    const started = Date.now();
    const r = await runProcess("bash", ["-c", `sleep 60 & echo $! > ${pidFile}; wait`], { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    const grandchild = Number(execFileSync("cat", [pidFile], { encoding: "utf8" }));
    await new Promise((res) => setTimeout(res, 200));
    expect(alive(grandchild)).toBe(false);
  });

  it("stops on abort, and runChecked reports the exit with the last lines", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await runProcess("sleep", ["30"], { signal: controller.signal });
    expect(r.signal).toBe("SIGTERM");
    await expect(runChecked("the step", "bash", ["-c", "echo boom; exit 3"])).rejects.toThrow(
      /the step exited with code 3:\nboom/,
    );
  });
});
