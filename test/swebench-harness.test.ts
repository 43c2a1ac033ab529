/**
 * The bridge to the swebench package (python/swebench_helper.py, src/swebench/harness.ts) and the
 * image recipes' pure parts, without docker: the harness's eval script and specs for the shared
 * instances, its grading of logs made here (resolved, partial, not, a failed apply, a cut log),
 * bad input to the helper, and the names and recipe rules of the images.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoDirOf } from "../src/images/build.js";
import { condaActivateShim, condaToPip, pretendVersion, repoScript } from "../src/images/layers.js";
import { instanceImageName, swegymImageName } from "../src/images/naming.js";
import { HarnessServer, type HarnessSpec, harnessGrade, harnessSpecs } from "../src/swebench/harness.js";
import { venvPython } from "../src/train/paths.js";
import { unexpectedChanges } from "../src/validate/harness-eval.js";
import { REPO_ROOT, sharedData, tempDir } from "./helpers/paths.js";

type Row = Record<string, unknown> & {
  instance_id: string;
  repo: string;
  base_commit: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
};
const rows = [
  ...JSON.parse(readFileSync(sharedData("swe-bench-dev-sample.json"), "utf8")),
  ...JSON.parse(readFileSync(sharedData("swe-bench-lite-sample.json"), "utf8")),
] as Row[];
const byId = (id: string) => {
  const row = rows.find((r) => r.instance_id === id) as Row;
  const list = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as string[]) : (v as string[]));
  return { ...row, FAIL_TO_PASS: list(row.FAIL_TO_PASS), PASS_TO_PASS: list(row.PASS_TO_PASS) };
};

/** A pytest -rA log between the harness's markers, every named test with the given status. */
function pytestLog(statuses: Record<string, string>): string {
  const lines = Object.entries(statuses).map(([name, status]) => `${status} ${name}`);
  return [
    "+ git apply -v -",
    ">>>>> Applied Patch",
    "+ : '>>>>> Start Test Output'",
    "============================= test session starts ==============================",
    "=========================== short test summary info ============================",
    ...lines,
    "+ : '>>>>> End Test Output'",
  ].join("\n");
}

const swebenchReady = spawnSync(venvPython(), ["-c", "import swebench"]).status === 0;
if (!swebenchReady)
  console.warn("the swebench package is not in .venv (scripts/setup-swebench.sh): harness tests skipped");

describe.skipIf(!swebenchReady)("the swebench harness through the helper", () => {
  const repos = tempDir("sealign-harness-");
  const server = new HarnessServer();
  beforeAll(() => {
    for (const archive of ["pydicom__pydicom", "pylint-dev__astroid", "pytest-dev__pytest"]) {
      const r = spawnSync("tar", ["-xzf", sharedData("repos", `${archive}.git.tar.gz`), "-C", repos]);
      if (r.status !== 0) throw new Error(String(r.stderr));
    }
  });
  afterAll(() => server.close());

  it("gives make_test_spec's eval script, the specs and the harness's image names", async () => {
    const ids = ["pytest-dev__pytest-11143", "pylint-dev__astroid-1268", "pydicom__pydicom-1194"];
    const batch = await harnessSpecs(
      ids.map((id) => ({ instance: byId(id) as never, repo_dir: repoDirOf(repos, byId(id).repo) })),
    );
    expect(batch.swebenchVersion).toMatch(/^4\./);
    const [pytest, astroid, pydicom] = batch.answers.map((a) => (a.ok ? a.value : null)) as HarnessSpec[];
    expect(pytest?.image).toBe(instanceImageName("pytest-dev__pytest-11143"));
    expect(pytest?.python).toBe("3.9");
    expect(pytest?.pip_packages).toContain("pluggy==1.3.0");
    expect(pytest?.log_parser).toBe("parse_log_pytest");
    expect(pydicom?.python).toBe("3.8");
    expect(pydicom?.packages).toBe("numpy");
    expect(astroid?.eval_script).toContain(": '>>>>> Start Test Output'");
    expect(astroid?.eval_script).toContain(
      `git checkout ${byId("pylint-dev__astroid-1268").base_commit} tests/unittest_nodes.py`,
    );
    expect(astroid?.eval_script).toContain("pytest -rA tests/unittest_nodes.py");
    // the eval-only answer (no environment script, no requirements file) is the same script
    const only = await server.spec([
      { instance: byId("pytest-dev__pytest-11143") as never, eval_only: true },
    ]);
    expect(only.answers[0]?.ok && only.answers[0].value.eval_script).toBe(pytest?.eval_script);
  });

  it("a spec that needs a requirements file and has no local clone is an error saying what to pass", async () => {
    const django = byId("django__django-16255");
    const batch = await harnessSpecs([{ instance: django as never }]);
    expect(batch.answers[0]?.ok).toBe(false);
    expect(!batch.answers[0]?.ok && batch.answers[0]?.error).toMatch(/pass repo_dir, the local clone/);
  });

  it("grades logs as get_eval_report: full, partial, not resolved, failed apply, cut log", async () => {
    const task = byId("pylint-dev__astroid-1268");
    const all = Object.fromEntries([...task.FAIL_TO_PASS, ...task.PASS_TO_PASS].map((n) => [n, "PASSED"]));
    const oneP2pFails = { ...all, [task.PASS_TO_PASS[0] as string]: "FAILED" };
    const f2pFails = Object.fromEntries(
      Object.keys(all).map((n) => [n, task.FAIL_TO_PASS.includes(n) ? "FAILED" : "PASSED"]),
    );
    const cut = pytestLog(all).split("+ : '>>>>> End Test Output'")[0] as string;
    const batch = await server.grade([
      { instance: task as never, log: pytestLog(all), model_patch: "x" },
      { instance: task as never, log: pytestLog(oneP2pFails), model_patch: "x" },
      { instance: task as never, log: pytestLog(f2pFails), model_patch: "x" },
      {
        instance: task as never,
        log: ">>>>> Patch Apply Failed:\npatch: **** malformed patch",
        model_patch: "x",
      },
      { instance: task as never, log: cut, model_patch: "x" },
      { instance: task as never, log: "", model_patch: null },
    ]);
    const v = batch.answers.map((a) => (a.ok ? a.value : null));
    expect(v[0]?.resolution).toBe("RESOLVED_FULL");
    expect(v[0]?.resolved).toBe(true);
    expect(v[1]?.resolution).toBe("RESOLVED_NO");
    expect(v[1]?.report[task.instance_id]?.tests_status?.PASS_TO_PASS?.failure).toEqual([
      task.PASS_TO_PASS[0],
    ]);
    expect(v[2]?.resolution).toBe("RESOLVED_NO");
    expect(v[3]?.patch_successfully_applied).toBe(false);
    expect(v[4]?.patch_successfully_applied).toBe(false);
    expect(v[5]?.report[task.instance_id]?.patch_is_None).toBe(true);
  });

  it("grades RESOLVED_PARTIAL when some FAIL_TO_PASS pass and every PASS_TO_PASS does", async () => {
    const task = byId("pydicom__pydicom-1194");
    // a second FAIL_TO_PASS test that fails: one of two resolved, every PASS_TO_PASS passing
    task.FAIL_TO_PASS = [...task.FAIL_TO_PASS, "pydicom/tests/test_filewriter.py::test_made_up"];
    const names = [...task.FAIL_TO_PASS, ...task.PASS_TO_PASS];
    const statuses = Object.fromEntries(names.map((n) => [n, "PASSED"]));
    statuses["pydicom/tests/test_filewriter.py::test_made_up"] = "FAILED";
    const batch = await server.grade([
      { instance: task as never, log: pytestLog(statuses), model_patch: "x" },
    ]);
    expect(batch.answers[0]?.ok && batch.answers[0].value.resolution).toBe("RESOLVED_PARTIAL");
  });

  it("one bad item is an error of its own; the batch's other answers stand", async () => {
    const good = byId("pylint-dev__astroid-1268");
    const batch = await harnessGrade([
      { instance: { ...good, repo: "nobody/unknown" } as never, log: "", model_patch: "x" },
      { instance: good as never, log: pytestLog({}), model_patch: "x" },
    ]);
    expect(batch.answers[0]?.ok).toBe(false);
    expect(!batch.answers[0]?.ok && batch.answers[0]?.error).toMatch(/item 0: KeyError.*nobody\/unknown/);
    expect(batch.answers[1]?.ok).toBe(true);
  });

  it("the helper refuses input that is not a request, exit 2, naming what is wrong", () => {
    const helper = join(REPO_ROOT, "python", "swebench_helper.py");
    const notJson = spawnSync(venvPython(), [helper], { input: "{cut", encoding: "utf8" });
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toMatch(/input is not JSON/);
    const wrong = spawnSync(venvPython(), [helper], { input: '{"op": "run"}', encoding: "utf8" });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/"op": "spec"\|"grade"/);
  });

  it("a missing interpreter is a clear error naming the set-up script", async () => {
    const error = await harnessGrade([], { python: "/nonexistent/python" }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /no Python environment at \/nonexistent\/python.*setup-swebench\.sh/,
    );
  });
});

describe("image names and recipes", () => {
  it("names images as the harness and SWE-Gym do", () => {
    expect(instanceImageName("pydicom__pydicom-1194")).toBe(
      "swebench/sweb.eval.x86_64.pydicom_1776_pydicom-1194:latest",
    );
    expect(instanceImageName("Django__Django-1", { namespace: "me" })).toBe(
      "me/sweb.eval.x86_64.django_1776_django-1:latest",
    );
    expect(swegymImageName("getmoto__moto-7365")).toBe(
      "xingyaoww/sweb.eval.x86_64.getmoto_s_moto-7365:latest",
    );
  });

  it("turns conda package specs into pip's, quoting what bash would read", () => {
    expect(condaToPip("numpy scipy=1.5.2 cython")).toEqual(["numpy", "scipy==1.5.2", "cython"]);
    expect(condaToPip("setuptools>=40")).toEqual(["'setuptools>=40'"]);
    expect(condaToPip("  ")).toEqual([]);
  });

  it("an untagged checkout gets a setuptools_scm version of its release", () => {
    expect(pretendVersion("8.0")).toBe("8.0.0.dev0");
    expect(pretendVersion("2022.03")).toBe("2022.03.0.dev0");
    expect(pretendVersion("1.2.3")).toBe("1.2.3.dev0");
  });

  it("the repository script is the harness's, from a local copy, with the offline reinstall prepared", () => {
    const spec = {
      install: "python -m pip install -e .",
      pre_install: ["echo pre"],
      repo_install: null,
    } as unknown as HarnessSpec;
    const script = repoScript(spec, "abc123", "8.0.0.dev0");
    expect(script).toContain("git clone -o origin /root/repo.git /testbed");
    expect(script).toContain("git reset --hard abc123");
    expect(script).toContain('[ "$COMMIT_COUNT" -eq 0 ] || exit 1');
    expect(script.indexOf("echo pre")).toBeLessThan(script.indexOf("python -m pip install -e ."));
    expect(script).toContain("export SETUPTOOLS_SCM_PRETEND_VERSION=8.0.0.dev0");
    expect(script).toContain("pip download --dest /opt/sealign/wheels");
    expect(script).toMatch(/git commit --allow-empty -am SWE-bench\n$/);
  });

  it("the conda shim activates a venv under conda's path and refuses other conda commands", () => {
    const dir = tempDir("sealign-shim-");
    const fake = join(dir, "opt/miniconda3/envs/testbed/bin");
    spawnSync("mkdir", ["-p", fake]);
    const shim = condaActivateShim().replaceAll("/opt/miniconda3", join(dir, "opt/miniconda3"));
    const script = `${shim}\necho 'export FROM_VENV=yes' > ${fake}/activate\nset -u\nconda activate testbed && echo "$FROM_VENV $CONDA_DEFAULT_ENV"\nconda install x; echo "rc=$?"\nconda activate nope; echo "rc=$?"`;
    const out = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(out.stdout).toContain("yes testbed");
    expect(out.stdout).toMatch(/rc=1\n.*rc=1/s);
    expect(out.stderr).toMatch(/conda install: not available in this image/);
    expect(out.stderr).toMatch(/conda activate: no environment nope/);
  });

  it("only the project's own reinstall may change files outside /testbed between patches", () => {
    const sp = "/opt/miniconda3/envs/testbed/lib/python3.9/site-packages";
    const reinstall = [
      `${sp}/__editable__.astroid-2.9.0.dev0.pth`,
      `${sp}/__editable___astroid_2_9_0_dev0_finder.py`,
      `${sp}/astroid-2.9.0.dev0.dist-info/RECORD`,
      `${sp}/pydicom.egg-link`,
      `${sp}/easy-install.pth`,
    ];
    expect(unexpectedChanges(reinstall)).toEqual([]);
    const planted = [
      `${sp}/zz_planted.pth`,
      `${sp}/requests-2.0.dist-info/RECORD`,
      "/etc/profile.d/x.sh",
      "/usr/bin/python",
    ];
    expect(unexpectedChanges([...reinstall, ...planted])).toEqual(planted);
  });

  it("finds a task's clone in the repos folder, or names every path it tried", () => {
    const dir = tempDir("sealign-repos-");
    spawnSync("mkdir", ["-p", join(dir, "pydicom__pydicom.git")]);
    expect(repoDirOf(dir, "pydicom/pydicom")).toBe(join(dir, "pydicom__pydicom.git"));
    expect(() => repoDirOf(dir, "org/missing")).toThrow(
      /no local clone of org\/missing in .*org__missing\.git/,
    );
  });
});
