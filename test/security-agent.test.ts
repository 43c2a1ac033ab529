/**
 * Issue 11, agent route: a scripted model (test double) that attacks sealign's own steps
 * around the sandbox. The git configuration it plants must run nothing when sealign takes the
 * patch (even unsandboxed, where only the hardened git stands in the way); what it does to the
 * shared base must not reach the next episode; the editor must never write outside while the
 * model flips a symlink under it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEpisode } from "../src/agent/episode.js";
import { LocalRuntime } from "../src/runtime/local.js";
import { prepareBase } from "../src/sandbox/workspace.js";
import { EditorTool } from "../src/tools/editor.js";
import { bash, ScriptedProvider, turn } from "./doubles/scripted-provider.js";
import { tempDir } from "./helpers/paths.js";
import { calcTask, treeDigest } from "./security-helpers.js";

const finish = turn("finish", { message: "done" });
const runtimes: LocalRuntime[] = [];
afterAll(async () => {
  for (const runtime of runtimes) await runtime.close();
});

describe("agent route: attacks on sealign's host-side steps", { timeout: 120_000 }, () => {
  for (const unsafe of [false, true]) {
    it(`git configuration the agent plants (fsmonitor, filter, textconv, hooks) runs nothing when the patch is taken${unsafe ? " (even unsandboxed)" : ""}`, async () => {
      const host = tempDir("sealign-sec-agent-");
      const m = (name: string) => join(host, name);
      const plant = [
        `git config core.fsmonitor 'touch ${m("fsmonitor")}; false'`,
        `git config filter.x.clean 'touch ${m("clean")}; cat'`,
        `git config filter.x.smudge 'touch ${m("smudge")}; cat'`,
        "git config filter.x.required true",
        `git config diff.x.textconv 'touch ${m("textconv")}; cat'`,
        `git config diff.external '${m("external")}'`,
        "git config core.hooksPath .githooks && mkdir -p .githooks",
        `for h in post-index-change pre-commit post-checkout; do printf '#!/bin/sh\\ntouch ${host}/%s\\n' $h > .githooks/$h; chmod +x .githooks/$h; done`,
        "printf '* filter=x diff=x\\n' > .gitattributes",
        "sed -i 's/a - b/a + b/' calc.py",
      ].join(" && ");
      const provider = new ScriptedProvider([bash(plant), finish]);
      const trajectory = await runEpisode(calcTask(), provider, {
        unsafeNoSandbox: unsafe,
        workspaceRoot: tempDir("sealign-sec-agent-ws-"),
      });
      expect(trajectory.outcome.exit_reason).toBe("finished");
      expect(trajectory.messages.find((x) => x.role === "tool")?.content).toContain("exit code 0");
      expect(readdirSync(host)).toEqual([]);
      expect(trajectory.patch).toContain("+    return a + b");
      expect(trajectory.patch).toContain("+++ b/.gitattributes");
    });
  }

  it("an agent that rewrites the shared base's objects cannot change what the next episode sees", async () => {
    const task = calcTask();
    const root = tempDir("sealign-sec-agent-base-");
    const base = await prepareBase(task, { root });
    const before = treeDigest(join(base.dir, ".git"));
    const poison = new ScriptedProvider([
      bash(
        'alt=$(cat .git/objects/info/alternates); n=0; for f in $(find "$alt" -type f); do echo x > "$f" && n=$((n+1)); done; echo wrote=$n; rm -rf "$alt"/* 2>&1 | tail -1; chmod -R u+w "$alt" 2>&1 | tail -1',
      ),
      finish,
    ]);
    const attacked = await runEpisode(task, poison, { base, workspaceRoot: root });
    expect(attacked.messages.find((x) => x.role === "tool")?.content).toContain("wrote=0");
    expect(treeDigest(join(base.dir, ".git"))).toBe(before);
    const next = await runEpisode(
      task,
      new ScriptedProvider([bash("cat calc.py; git status --short"), finish]),
      {
        base,
        workspaceRoot: root,
      },
    );
    expect(next.messages.find((x) => x.role === "tool")?.content).toContain("return a - b");
    expect(next.patch).toBe("");
  });

  it("the editor writes nothing outside while the model flips a symlink under it", async () => {
    const host = tempDir("sealign-sec-race-");
    const rt = new LocalRuntime({ root: tempDir("sealign-sec-race-ws-") });
    runtimes.push(rt);
    const env = await rt.open(await rt.prepare(calcTask()));
    try {
      const shell = await env.startShell();
      // the model's background loop: d is a real folder one instant, a link to a host folder the next
      await shell.run(
        `mkdir -p real; (while :; do ln -sfn ${host} d.new && mv -T d.new d; ln -sfn real d.new && mv -T d.new d; done) >/dev/null 2>&1 &`,
        { softTimeoutMs: 5000, hardTimeoutMs: 10_000 },
      );
      const editor = new EditorTool({ env });
      const outcomes = { created: 0, refused: 0 };
      for (let i = 0; i < 60; i++) {
        const result = await editor.execute({
          command: "create",
          path: `/workspace/d/f${i}.txt`,
          file_text: "x",
        });
        if (result.isError) outcomes.refused++;
        else outcomes.created++;
        expect(result.content).not.toContain(env.hostDir);
      }
      expect(outcomes.created).toBeGreaterThan(0);
      expect(outcomes.created + outcomes.refused).toBe(60);
      expect(readdirSync(host)).toEqual([]);
      expect(existsSync(join(host, "f0.txt"))).toBe(false);
    } finally {
      await env.close();
    }
  });
});
