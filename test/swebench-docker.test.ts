/**
 * SWE-bench instances end to end on a real dockerd: instance images built by `sealign images
 * build` from the shared repositories (no registry), each shared instance validated in its image
 * with the harness's eval script, graded by the swebench package; warm containers reused and
 * discarded when a patch leaves something behind; a time-out; a missing image.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceImageName } from "../src/images/naming.js";
import { runCli } from "../src/run-cli.js";
import { DockerRuntime, ImageMissingError } from "../src/runtime/docker.js";
import { type Task, TaskSchema } from "../src/schema/task.js";
import { type EvalScriptSpec, HarnessServer, harnessGrade } from "../src/swebench/harness.js";
import { validateInContainer, WarmContainers } from "../src/validate/harness-eval.js";
import { docker, dockerSkipReason } from "./helpers/docker.js";
import { sharedData, tempDir } from "./helpers/paths.js";

const skip = await dockerSkipReason();
if (skip) console.warn(skip);

const RESOLVABLE = ["pytest-dev__pytest-11143", "pylint-dev__astroid-1268", "pydicom__pydicom-1194"];
const UNRESOLVABLE = "pydicom__pydicom-1458";
const ALL = [...RESOLVABLE, UNRESOLVABLE];

function sharedInstances(): Task[] {
  const rows = [
    ...JSON.parse(readFileSync(sharedData("swe-bench-dev-sample.json"), "utf8")),
    ...JSON.parse(readFileSync(sharedData("swe-bench-lite-sample.json"), "utf8")),
  ] as Array<Record<string, unknown>>;
  return rows.filter((r) => ALL.includes(r.instance_id as string)).map((r) => TaskSchema.parse(r));
}

/** The test_patch's files with their changes, and nothing of the fix. */
const testPatchOnly = (task: Task) => task.test_patch;

describe.skipIf(skip !== null)("SWE-bench instances in images built without a registry", () => {
  const work = tempDir("sealign-swebench-");
  const repos = join(work, "repos");
  const tasksFile = join(work, "tasks.json");
  const tasks = new Map<string, Task>();
  const runtime = new DockerRuntime({ pull: false, runId: "swebench-test" });
  const harness = new HarnessServer();
  const specs = new Map<string, EvalScriptSpec>();
  let buildOutput = "";

  beforeAll(async () => {
    mkdirSync(repos, { recursive: true });
    for (const archive of ["pydicom__pydicom", "pylint-dev__astroid", "pytest-dev__pytest"]) {
      const r = spawnSync("tar", ["-xzf", sharedData("repos", `${archive}.git.tar.gz`), "-C", repos]);
      if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    }
    const instances = sharedInstances();
    for (const t of instances) tasks.set(t.instance_id, t);
    writeFileSync(tasksFile, JSON.stringify(instances));
    // the CLI, in-process: builds what is missing, reuses every layer already built (same recipe)
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((text: string) => {
      chunks.push(String(text));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runCli([
        "node",
        "sealign",
        "images",
        "build",
        "--tasks",
        tasksFile,
        "--repos",
        repos,
        "-j",
        "2",
        "-q",
      ]);
    } finally {
      process.stdout.write = write;
    }
    buildOutput = chunks.join("");
    if (code !== 0) throw new Error(`sealign images build failed (exit ${code}):\n${buildOutput}`);
    const answers = await harness.spec(instances.map((t) => ({ instance: t as never, eval_only: true })));
    answers.answers.forEach((a, i) => {
      if (!a.ok) throw new Error(a.error);
      specs.set((instances[i] as Task).instance_id, a.value as EvalScriptSpec);
    });
  }, 3_600_000);

  afterAll(async () => {
    await harness.close();
    await runtime.sweep();
  });

  it("builds images under the harness's names, shared layers counted once", async () => {
    for (const id of ALL) {
      expect(buildOutput).toContain(`ok     ${instanceImageName(id)}`);
      const info = await docker.getImage(instanceImageName(id)).inspect();
      expect(info.Config.Labels["sealign.instance_id"]).toBe(id);
      expect(info.Config.WorkingDir).toBe("/testbed");
    }
    expect(buildOutput).toMatch(/4 of 4 images ready; disk \d+ MB/);
  });

  /** One patch validated in a fresh container per call (no reuse), with the log graded again. */
  async function validate(
    id: string,
    patch: string,
    containers = new WarmContainers(runtime, false),
    timeoutMs = 600_000,
  ) {
    const task = tasks.get(id) as Task;
    const base = await runtime.prepare(task);
    return validateInContainer(task, patch, base, {
      timeoutMs,
      containers,
      harness,
      spec: specs.get(id) as never,
    });
  }

  for (const id of RESOLVABLE) {
    it(`${id}: the gold patch is RESOLVED_FULL, the test_patch alone is not, and the harness grades the same logs the same`, async () => {
      const task = tasks.get(id) as Task;
      const gold = await validate(id, task.patch);
      expect(gold.report.error).toBeNull();
      expect(gold.report.resolution).toBe("RESOLVED_FULL");
      expect(gold.report.resolved).toBe(true);
      expect(gold.report.graded_by).toMatch(/^swebench 4\./);
      const only = await validate(id, testPatchOnly(task));
      expect(only.report.error).toBeNull();
      expect(only.report.resolved).toBe(false);
      expect(only.report.resolution).not.toBe("RESOLVED_FULL");
      // the swebench package, called on its own on the same logs, says the same
      const again = await harnessGrade([
        { instance: task as never, log: gold.harnessLog as string, model_patch: task.patch },
        { instance: task as never, log: only.harnessLog as string, model_patch: task.test_patch },
      ]);
      const [g, o] = again.answers.map((a) => (a.ok ? a.value : null));
      expect(g?.resolution).toBe(gold.report.resolution);
      expect(o?.resolution).toBe(only.report.resolution);
      expect(g?.report[id]?.tests_status).toEqual(gold.report.tests_status);
    }, 600_000);
  }

  it(`${UNRESOLVABLE}: the known-unresolvable case is not resolved even by its gold patch`, async () => {
    const task = tasks.get(UNRESOLVABLE) as Task;
    const gold = await validate(UNRESOLVABLE, task.patch);
    expect(gold.report.error).toBeNull();
    expect(gold.report.patch_successfully_applied).toBe(true);
    expect(gold.report.resolved).toBe(false);
    // its PASS_TO_PASS names carry the dataset author's machine paths: they never run here
    expect(gold.report.tests_status.PASS_TO_PASS?.failure.some((n) => n.includes("/n/fs/p-swe-bench/"))).toBe(
      true,
    );
  }, 600_000);

  it("reuses one warm container across patches, and discards it when a test run leaves files outside /testbed", async () => {
    const id = "pylint-dev__astroid-1268";
    const task = tasks.get(id) as Task;
    const containers = new WarmContainers(runtime, true);
    try {
      const first = await validate(id, task.test_patch, containers);
      expect(first.report.warm).toBe(false);
      const second = await validate(id, task.patch, containers);
      expect(second.report.warm).toBe(true);
      expect(second.report.resolution).toBe("RESOLVED_FULL");
      expect(containers.reused).toBe(1);
      // a hostile patch: importing the package plants a .pth in site-packages (code run at every
      // interpreter start) and a git hook; the container must not serve the next patch
      const firstLine = spawnSync(
        "git",
        ["-C", join(repos, "pylint-dev__astroid.git"), "show", `${task.base_commit}:astroid/__init__.py`],
        {
          encoding: "utf8",
        },
      ).stdout.split("\n")[0] as string;
      const planted = [
        "diff --git a/astroid/__init__.py b/astroid/__init__.py",
        "--- a/astroid/__init__.py",
        "+++ b/astroid/__init__.py",
        "@@ -1 +1,5 @@",
        "+import os as _os, site as _site",
        '+open(_os.path.join(_site.getsitepackages()[0], "zz_planted.pth"), "w").write("import os\\n")',
        '+open("/testbed/.git/hooks/post-checkout", "w").write("#!/bin/sh\\necho planted\\n")',
        '+_os.chmod("/testbed/.git/hooks/post-checkout", 0o755)',
        ` ${firstLine}`,
        "",
      ].join("\n");
      const bad = await validate(id, planted, containers);
      expect(bad.report.patch_successfully_applied).toBe(true);
      expect(bad.log).toMatch(/container discarded: .*(zz_planted\.pth|hooks)/);
      expect(containers.discarded).toBe(1);
      const after = await validate(id, task.patch, containers);
      expect(after.report.warm).toBe(false);
      expect(after.report.resolution).toBe("RESOLVED_FULL");
      expect(after.log).not.toMatch(/planted/);
    } finally {
      await containers.close();
    }
  }, 900_000);

  it("a test run past its time-out is an error with the reason, and the next patch runs", async () => {
    const id = "pytest-dev__pytest-11143";
    const task = tasks.get(id) as Task;
    const containers = new WarmContainers(runtime, true);
    try {
      const slow = await validate(id, task.patch, containers, 2_000);
      expect(slow.report.timed_out).toBe(true);
      expect(slow.report.resolved).toBe(false);
      expect(slow.report.error).toMatch(/timed out after 2 s/);
      const next = await validate(id, task.patch, containers);
      expect(next.report.warm).toBe(false);
      expect(next.report.resolution).toBe("RESOLVED_FULL");
    } finally {
      await containers.close();
    }
  }, 600_000);

  it("sealign validate --runtime docker grades predictions with the harness: report.json and summary.json with its meanings", async () => {
    const preds = join(work, "preds.jsonl");
    const rowsOut = [
      {
        instance_id: "pylint-dev__astroid-1268",
        model_name_or_path: "gold",
        model_patch: (tasks.get("pylint-dev__astroid-1268") as Task).patch,
      },
      {
        instance_id: "pydicom__pydicom-1194",
        model_name_or_path: "gold",
        model_patch: (tasks.get("pydicom__pydicom-1194") as Task).test_patch,
      },
      { instance_id: "pytest-dev__pytest-11143", model_name_or_path: "gold", model_patch: "" },
    ];
    writeFileSync(preds, `${rowsOut.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const out = join(work, "validate-out");
    const code = await runCli([
      "node",
      "sealign",
      "validate",
      preds,
      "--tasks",
      tasksFile,
      "--out",
      out,
      "--runtime",
      "docker",
      "--no-cache",
      "-q",
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report["pylint-dev__astroid-1268"].resolution).toBe("RESOLVED_FULL");
    expect(report["pylint-dev__astroid-1268"].graded_by).toMatch(/^swebench /);
    expect(report["pydicom__pydicom-1194"].resolved).toBe(false);
    expect(report["pytest-dev__pytest-11143"].patch_exists).toBe(false);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.total_instances).toBe(4);
    expect(summary.submitted_instances).toBeLessThanOrEqual(summary.total_instances);
    expect(summary.resolved_ids).toEqual(["pylint-dev__astroid-1268"]);
    expect(summary.empty_patch_ids).toEqual(["pytest-dev__pytest-11143"]);
    // the harness's meaning: instances of the dataset without a prediction
    expect(summary.incomplete_ids).toEqual(["pydicom__pydicom-1458"]);
    expect(summary.sealign.provenance.settings.swebench_grader).toMatch(/^swebench 4\./);
    // no container of this run is left
    const left = await docker.listContainers({ all: true, filters: { label: ["sealign.owner"] } });
    expect(left.filter((c) => c.Labels["sealign.owner"]?.includes(`/${process.pid}/`))).toEqual([]);
  }, 900_000);

  it("an image that is missing and cannot be pulled names the image and the command that builds it", async () => {
    const task = TaskSchema.parse({
      ...(tasks.get("pylint-dev__astroid-1268") as Task),
      instance_id: "pylint-dev__astroid-999999",
    });
    const error = await runtime.prepare(task).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageMissingError);
    expect((error as Error).message).toContain(
      "swebench/sweb.eval.x86_64.pylint-dev_1776_astroid-999999:latest",
    );
    expect((error as Error).message).toContain("sealign images build");
  });
});
