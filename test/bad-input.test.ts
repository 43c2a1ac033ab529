import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/run-cli.js";
import { fixturePairs, fixtureTrajectories, hefTasks, writeJsonl } from "./export-fixtures.js";
import { CLI, tempDir } from "./helpers/paths.js";

/**
 * Bad paths and bad files given to every command (issue 11's "data safety and bad input",
 * issue 16's missing input): each must exit 2 with one line naming the path and what is wrong,
 * no stack trace, no partial or hidden file left behind, and no earlier output lost.
 */

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI (async, so that `view` can be killed if it wrongly starts serving). */
function sealign(args: string[], options: { prefix?: string[]; timeoutMs?: number } = {}): Promise<Result> {
  const [command, ...rest] = options.prefix
    ? [...options.prefix, process.execPath, CLI]
    : [process.execPath, CLI];
  return new Promise((resolve) => {
    const child = spawn(command!, [...rest, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * Run CLI cases in this process, one after another, through the same entry as dist/cli.js
 * (runCli): a spawned CLI costs a second of start-up per case on a loaded machine.
 */
async function sealignAll(cases: [string, string[]][]): Promise<[string, Result][]> {
  const results: [string, Result][] = [];
  for (const [name, args] of cases) {
    let stderr = "";
    process.exitCode = undefined;
    const status = await runCli(["node", "sealign", ...args], { write: (text: string) => (stderr += text) });
    process.exitCode = undefined;
    results.push([name, { status, stdout: "", stderr }]);
  }
  return results;
}

/** A clean bad-input failure: exit 2, the path in one error line, no stack trace. */
function expectBadInput(result: Result, mentions: string[]): void {
  const context = `${result.stderr}\n${result.stdout}`;
  expect(result.status, context).toBe(2);
  expect(result.stderr, context).toMatch(/sealign: error: /);
  for (const text of mentions) expect(result.stderr, context).toContain(text);
  expect(result.stderr, context).not.toMatch(/\n\s+at .*\(/);
}

/** Files in a folder whose names start with "." (the atomic writers' temp files). */
function hiddenFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith("."));
}

let dir: string;
let trajectories: string;
let pairs: string;
let tasks: string;

beforeAll(() => {
  dir = tempDir("sealign-bad-input-");
  const runs = fixtureTrajectories(2);
  trajectories = writeJsonl(join(dir, "traj.jsonl"), runs);
  pairs = writeJsonl(join(dir, "pairs.jsonl"), fixturePairs(runs));
  tasks = writeJsonl(join(dir, "tasks.jsonl"), hefTasks(2));
});

/** Every command with one of its input paths replaced by `bad`. */
function commandsReading(bad: string, out: string): [string, string[]][] {
  return [
    ["import", ["import", bad, "-o", `${out}.jsonl`]],
    ["stats", ["stats", bad]],
    ["collect --tasks", ["collect", "--tasks", bad, "--model", "sim", "-o", out, "--quiet"]],
    ["validate (input)", ["validate", bad, "--tasks", tasks, "-o", out, "-q"]],
    ["validate --tasks", ["validate", trajectories, "--tasks", bad, "-o", out, "-q"]],
    ["tree", ["tree", bad, "-o", out, "--no-progress"]],
    ["pairs", ["pairs", bad, "-o", `${out}.jsonl`, "--no-progress"]],
    ["export sft", ["export", "sft", bad, "-o", `${out}.jsonl`]],
    ["export dpo", ["export", "dpo", bad, "-o", `${out}.jsonl`]],
    ["train --config", ["train", "--config", bad]],
    ["tasks synth", ["tasks", "synth", bad, "-o", `${out}.jsonl`]],
  ];
}

describe("a missing input", () => {
  it("every command exits 2 naming the missing path, and writes nothing", { timeout: 120_000 }, async () => {
    const missing = join(dir, "no-such-file.jsonl");
    const out = join(dir, "out-missing");
    const cases = [
      ...commandsReading(missing, out),
      ["eval", ["eval", missing, "-o", out]] as [string, string[]],
      ["view", ["view", missing, "-p", "0"]] as [string, string[]],
      ["validate --repos", ["validate", trajectories, "--tasks", tasks, "--repos", missing, "-o", out]] as [
        string,
        string[],
      ],
      [
        "collect --system-prompt",
        ["collect", "--tasks", tasks, "--model", "sim", "--system-prompt", missing, "-o", out],
      ] as [string, string[]],
    ];
    for (const [name, result] of await sealignAll(cases)) {
      expect(result.status, `${name}: ${result.stderr}`).toBe(2);
      expectBadInput(result, [missing]);
    }
    expect(readdirSync(dir).filter((n) => n.startsWith("out-missing"))).toEqual([]);
    // and the same through the built binary
    expectBadInput(await sealign(["stats", missing]), [missing]);
  });

  it("a folder where a file is expected is named as a folder", async () => {
    const folder = join(dir, "a-folder");
    mkdirSync(folder, { recursive: true });
    const cases = commandsReading(folder, join(dir, "out-folder")).filter(([name]) => name !== "tasks synth");
    for (const [name, result] of await sealignAll(cases)) {
      expect(result.status, `${name}: ${result.stderr}`).toBe(2);
      // import reads the trajectory files under a folder (this one has none)
      expectBadInput(result, [folder, name === "import" ? "folder holds no" : "is a folder, not a file"]);
    }
  });
});

describe("a corrupt or cut .gz / .zst input", () => {
  it("names the file, exit 2 (import, validate, export, eval, view, stats, tree, pairs)", {
    timeout: 120_000,
  }, async () => {
    const text = readFileSync(trajectories);
    const cutGz = join(dir, "cut.jsonl.gz");
    writeFileSync(cutGz, gzipSync(text).subarray(0, 2000));
    const garbageZst = join(dir, "garbage.jsonl.zst");
    writeFileSync(garbageZst, Buffer.from("this is not zstd data at all, just text\n".repeat(50)));
    for (const bad of [cutGz, garbageZst]) {
      const out = join(dir, "out-corrupt");
      const cases: [string, string[]][] = [
        ["import", ["import", bad, "-o", `${out}.jsonl`]],
        ["validate", ["validate", bad, "--tasks", tasks, "-o", out, "-q"]],
        ["export sft", ["export", "sft", bad, "-o", `${out}.jsonl`]],
        ["eval", ["eval", bad, "-o", out]],
        ["view", ["view", bad, "-p", "0"]],
        ["stats", ["stats", bad]],
        ["tree", ["tree", bad, "-o", out, "--no-progress"]],
        ["pairs", ["pairs", bad, "-o", `${out}.jsonl`, "--no-progress"]],
      ];
      for (const [name, result] of await sealignAll(cases)) {
        expect(result.status, `${name} ${bad}: ${result.stderr}`).toBe(2);
        expectBadInput(result, [bad]);
        expect(result.stderr, name).toMatch(/corrupt|cut|decompress/);
      }
      expect(hiddenFiles(dir)).toEqual([]);
    }
  });
});

describe("an input whose last line is cut short", () => {
  it("import and export report the line, exit 2, leave no temp file and keep the earlier output", {
    timeout: 120_000,
  }, async () => {
    const cutDir = join(dir, "cut");
    mkdirSync(cutDir, { recursive: true });
    const text = readFileSync(trajectories, "utf8");
    const lines = text.trimEnd().split("\n");
    const cut = join(cutDir, "cut.jsonl");
    writeFileSync(cut, `${lines.join("\n").slice(0, -200)}`);
    for (const [name, args] of [
      ["import", ["import", cut, "-o", join(cutDir, "imported.jsonl")]],
      ["export sft", ["export", "sft", cut, "-o", join(cutDir, "sft.jsonl")]],
    ] as [string, string[]][]) {
      const earlier = args.at(-1)!;
      writeFileSync(earlier, "earlier output\n");
      const result = await sealign(args);
      expectBadInput(result, [`${cut}:${lines.length}`, "truncated last line"]);
      expect(result.stderr, name).not.toContain("ERR_STREAM_DESTROYED");
      expect(readFileSync(earlier, "utf8"), name).toBe("earlier output\n");
      expect(hiddenFiles(cutDir), name).toEqual([]);
    }
  });
});

/** Commands that write, each with its output path. */
function commandsWriting(out: string): [string, string[]][] {
  return [
    ["import", ["import", trajectories, "-o", join(out, "t.jsonl")]],
    ["pairs", ["pairs", trajectories, "-o", join(out, "p.jsonl"), "--no-progress"]],
    ["export sft", ["export", "sft", trajectories, "-o", join(out, "sft.jsonl")]],
    ["export dpo", ["export", "dpo", pairs, "-o", join(out, "dpo.jsonl")]],
    ["tasks export", ["tasks", "export", "-o", join(out, "tasks.jsonl"), "--limit", "1"]],
    ["validate", ["validate", trajectories, "--tasks", tasks, "-o", join(out, "val"), "-q"]],
    ["tree", ["tree", trajectories, "-o", join(out, "trees"), "--no-progress"]],
    ["eval", ["eval", trajectories, "-o", join(out, "eval")]],
    ["collect", ["collect", "--tasks", tasks, "--model", "sim", "-o", join(out, "run"), "--quiet"]],
  ];
}

describe("an output folder that cannot be written", () => {
  it("a file where the folder should be: says which part is a file, exit 2", async () => {
    const blocker = join(dir, "blocker");
    writeFileSync(blocker, "a file, not a folder\n");
    for (const [name, result] of await sealignAll(commandsWriting(join(blocker, "sub")))) {
      expect(result.status, `${name}: ${result.stderr}`).toBe(2);
      expectBadInput(result, [`${blocker} is a file, not a folder`]);
    }
    expect(readFileSync(blocker, "utf8")).toBe("a file, not a folder\n");
  });

  // Root ignores file modes, so a read-only folder is a read-only bind mount in a private mount
  // namespace (gone when the command ends). Needs root and util-linux's unshare.
  const canMount =
    process.getuid?.() === 0 &&
    spawnSync("unshare", ["-m", "sh", "-c", "mount -t tmpfs none /mnt"], { encoding: "utf8" }).status === 0;
  it.skipIf(!canMount)(
    "a read-only file system: says it is read-only (not ENOENT), exit 2",
    { timeout: 300_000 },
    async () => {
      const ro = join(dir, "read-only");
      mkdirSync(join(ro, "existing"), { recursive: true });
      const prefix = [
        "unshare",
        "-m",
        "sh",
        "-c",
        `mount --bind '${ro}' '${ro}' && mount -o remount,ro,bind '${ro}' '${ro}' && exec "$@"`,
        "sh",
      ];
      // Half the commands write below the read-only folder, half into a folder that exists in it.
      const cases = commandsWriting(ro).map(([name, args], i): [string, string[]] =>
        i % 2 === 0
          ? [name, args]
          : [`${name} (existing folder)`, args.map((a) => a.replace(ro, join(ro, "existing")))],
      );
      for (const [name, args] of cases) {
        const result = await sealign(args, { prefix });
        expect(result.status, `${name}: ${result.stderr}`).toBe(2);
        expectBadInput(result, [ro, "read-only file system"]);
        expect(result.stderr, name).not.toContain("ENOENT");
      }
    },
  );
});
