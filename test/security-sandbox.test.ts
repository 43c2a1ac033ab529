/**
 * Issue 11 item 6: the sandbox's smaller leaks. Password hashes and private keys stay
 * unreadable, the sandbox's /tmp has a size, and a workspace past its size limit is reported
 * to the model.
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { LocalEnvironment } from "../src/runtime/local.js";
import { BashTool } from "../src/tools/bash.js";
import { tempDir } from "./helpers/paths.js";

const envs: LocalEnvironment[] = [];
afterAll(async () => {
  for (const env of envs) await env.close();
});

function envWith(limits: { tmpMiB?: number; workspaceMiB?: number } = {}) {
  const env = new LocalEnvironment({ dir: tempDir("sealign-sec-sbx-"), baseCommit: "", limits });
  envs.push(env);
  return env;
}

describe("sandbox: smaller leaks", { timeout: 60_000 }, () => {
  it("hides /etc/shadow and its kind while /etc stays visible", async () => {
    const env = envWith();
    const files = ["/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-"].filter((f) =>
      existsSync(f),
    );
    expect(files.length).toBeGreaterThan(0);
    const r = await env.exec(
      `for f in ${files.join(" ")}; do printf '%s=%s\\n' "$f" "$(cat "$f" 2>/dev/null | wc -c)"; done; grep -c root /etc/passwd`,
      {
        timeoutMs: 10_000,
      },
    );
    for (const file of files) expect(r.stdout).toContain(`${file}=0\n`);
    expect(r.stdout.trim().split("\n").at(-1)).not.toBe("0");
  });

  it("gives the sandbox's /tmp a size", async () => {
    const env = envWith({ tmpMiB: 8 });
    const r = await env.exec(
      "dd if=/dev/zero of=/tmp/fill bs=1M count=32 2>&1; echo rc=$?; du -sm /tmp | cut -f1",
      {
        timeoutMs: 20_000,
      },
    );
    expect(r.stdout).toMatch(/No space left on device/);
    expect(Number(r.stdout.trim().split("\n").at(-1))).toBeLessThanOrEqual(8);
  });

  it("tells the model when the workspace outgrows its size limit, and stops once it is cleaned up", async () => {
    const env = envWith({ workspaceMiB: 4 });
    const bash = new BashTool(env, { softTimeoutMs: 5000, hardTimeoutMs: 20_000 });
    try {
      const small = await bash.execute({ command: "head -c 1000000 /dev/zero > a.bin" });
      expect(small.content).not.toContain("over its limit");
      const big = await bash.execute({ command: "head -c 6000000 /dev/zero > b.bin" });
      expect(big.content).toMatch(/\[The workspace now takes \d+ MiB, over its limit of 4 MiB/);
      expect(big.isError).toBe(true);
      const cleaned = await bash.execute({ command: "rm b.bin" });
      expect(cleaned.content).not.toContain("over its limit");
    } finally {
      await bash.close();
    }
  });
});
