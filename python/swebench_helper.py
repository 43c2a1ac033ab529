"""sealign's bridge to the `swebench` package (the SWE-bench harness), JSON in on stdin, JSON out
on stdout, one batch per call (importing the harness takes seconds, so callers send many items).

Two operations, each run by the harness's own code, never re-implemented here:

- ``spec``: for an instance record, what ``make_test_spec`` makes of it (the eval script, the
  repository set-up script, the environment script) and the per-repository specs it came from
  (Python version, conda packages, pip packages, pre-install and install steps, test command),
  plus the image names the harness uses. When the specs install from a requirements file
  (``packages: requirements.txt``), the harness downloads it from GitHub; here the same harness
  functions read it from the local clone named by ``repo_dir`` instead (a transport swap: the
  harness's own parsing and cleaning of the file run unchanged). ``environment_setup_commit`` is
  used when the clone has it, else ``base_commit``, and the answer says which.
- ``grade``: a test log graded exactly as ``get_eval_report`` grades it: ``get_logs_eval`` (the
  repository's log parser, the harness's error markers), ``get_eval_tests_report`` (FAIL_ONLY
  repositories included) and ``get_resolution_status`` (RESOLVED_FULL / PARTIAL / NO).

Input:  {"op": "spec"|"grade", "items": [{"instance": {...}, "repo_dir": "...", "log": "...",
         "model_patch": "..." | null}, ...]}
Output: {"swebench_version": "4.1.0", "results": [{...} | {"error": "..."}, ...]}
Exit status 2 when the input itself is unreadable; per-item failures are reported per item.

With ``--serve``, one request per stdin line and one answer per stdout line until stdin closes,
so a long validation run pays the harness's import once (a bad line is answered with an error).
"""

import json
import os
import subprocess
import sys
import tempfile
import traceback


def _fail_input(message):
    sys.stderr.write(f"swebench_helper: {message}\n")
    sys.exit(2)


class _LocalResponse:
    def __init__(self, status_code, text):
        self.status_code = status_code
        self.text = text


class _LocalClone:
    """Answers the harness's ``requests.get(raw.githubusercontent.com/<repo>/<commit>/<path>)``
    from a local bare or working clone with ``git show <commit>:<path>``."""

    def __init__(self, repo_dir, base_commit):
        self.repo_dir = repo_dir
        self.base_commit = base_commit
        self.used_commits = set()

    def _has_commit(self, commit):
        return (
            subprocess.run(
                ["git", "-C", self.repo_dir, "cat-file", "-e", f"{commit}^{{commit}}"],
                capture_output=True,
            ).returncode
            == 0
        )

    def get(self, url, headers=None, **_kwargs):
        from swebench.harness.constants import SWE_BENCH_URL_RAW

        if not url.startswith(SWE_BENCH_URL_RAW):
            raise RuntimeError(f"the harness asked for {url}; only repository files are served locally")
        rest = url[len(SWE_BENCH_URL_RAW) :].lstrip("/")
        parts = rest.split("/")
        if len(parts) < 4:
            return _LocalResponse(404, "")
        commit = parts[2]
        path = os.path.normpath("/".join(parts[3:]))
        if not self._has_commit(commit):
            commit = self.base_commit
        shown = subprocess.run(
            ["git", "-C", self.repo_dir, "show", f"{commit}:{path}"],
            capture_output=True,
        )
        if shown.returncode != 0:
            return _LocalResponse(404, "")
        self.used_commits.add(commit)
        return _LocalResponse(200, shown.stdout.decode("utf-8", "replace"))


class _NoNetwork:
    def get(self, url, headers=None, **_kwargs):
        raise RuntimeError(
            f"the harness needs {url} (a requirements or environment file); pass repo_dir, the local clone"
        )


def _spec(item):
    import swebench
    from swebench.harness import constants as C
    from swebench.harness.log_parsers import MAP_REPO_TO_PARSER
    from swebench.harness.test_spec import python as spec_python
    from swebench.harness.test_spec.test_spec import make_test_spec
    from swebench.harness.utils import get_modified_files

    instance = item["instance"]
    repo = instance["repo"]
    version = instance.get("version")
    specs = C.MAP_REPO_VERSION_TO_SPECS.get(repo, {}).get(version)
    if specs is None:
        raise KeyError(f"swebench {swebench.__version__} has no specs for {repo} version {version!r}")
    repo_dir = item.get("repo_dir")
    if item.get("eval_only"):
        return _eval_only(instance, specs)
    transport = _LocalClone(repo_dir, instance["base_commit"]) if repo_dir else _NoNetwork()
    # the harness's functions are cached per (repo, commit): clear so each item reads its clone
    spec_python.get_requirements_by_commit.cache_clear()
    spec_python.get_environment_yml_by_commit.cache_clear()
    saved = spec_python.requests
    spec_python.requests = transport
    try:
        test_spec = make_test_spec(instance, namespace="swebench")
        requirements = None
        if specs.get("packages") == "requirements.txt":
            requirements = spec_python.get_requirements(instance)
    finally:
        spec_python.requests = saved
    used = sorted(getattr(transport, "used_commits", set()))
    return {
        "instance_id": test_spec.instance_id,
        "repo": repo,
        "version": version,
        "language": test_spec.language,
        "image": test_spec.instance_image_key,
        "env_image_key": test_spec.env_image_key,
        "python": specs.get("python"),
        "packages": specs.get("packages"),
        "pip_packages": specs.get("pip_packages", []),
        "pre_install": specs.get("pre_install", []),
        "install": specs.get("install"),
        "repo_install": C.MAP_REPO_TO_INSTALL.get(repo),
        "eval_commands": specs.get("eval_commands", []),
        "test_cmd": specs.get("test_cmd"),
        "requirements": requirements,
        "requirements_commit": used[0] if used else None,
        "test_files": get_modified_files(instance["test_patch"]),
        "log_parser": MAP_REPO_TO_PARSER[repo].__name__,
        "fail_only": repo in C.FAIL_ONLY_REPOS,
        "eval_script": test_spec.eval_script,
        "install_repo_script": test_spec.install_repo_script,
        "setup_env_script": test_spec.setup_env_script,
        "start_marker": C.START_TEST_OUTPUT,
        "end_marker": C.END_TEST_OUTPUT,
    }


def _eval_only(instance, specs):
    """The eval script alone: what make_test_spec's eval_script property makes of
    make_eval_script_list, without the environment script (which may need a requirements file
    that only the build reads)."""
    import swebench
    from swebench.harness import constants as C
    from swebench.harness.test_spec.create_scripts import make_eval_script_list
    from swebench.harness.test_spec.test_spec import TestSpec
    from swebench.harness.utils import get_modified_files

    eval_list = make_eval_script_list(
        instance, specs, "testbed", "/testbed", instance["base_commit"], instance["test_patch"]
    )
    eval_script = TestSpec.eval_script.fget(type("S", (), {"eval_script_list": eval_list})())
    return {
        "instance_id": instance["instance_id"],
        "repo": instance["repo"],
        "version": instance.get("version"),
        "eval_script": eval_script,
        "test_files": get_modified_files(instance["test_patch"]),
        "fail_only": instance["repo"] in C.FAIL_ONLY_REPOS,
        "swebench_version": swebench.__version__,
    }


def _grading_spec(instance):
    """The TestSpec fields grading reads (id, repo, version, test lists). Built directly rather than
    by make_test_spec, whose environment script would fetch a requirements file: grading never
    reads it."""
    from swebench.harness.constants import MAP_REPO_TO_EXT
    from swebench.harness.test_spec.test_spec import TestSpec

    def listed(key):
        value = instance.get(key, [])
        return json.loads(value) if isinstance(value, str) else value

    return TestSpec(
        instance_id=instance["instance_id"],
        repo=instance["repo"],
        version=instance.get("version"),
        repo_script_list=[],
        eval_script_list=[],
        env_script_list=[],
        arch="x86_64",
        FAIL_TO_PASS=listed("FAIL_TO_PASS"),
        PASS_TO_PASS=listed("PASS_TO_PASS"),
        language=MAP_REPO_TO_EXT[instance["repo"]],
        docker_specs={},
        namespace=None,
    )


def _grade(item):
    from swebench.harness.constants import (
        FAIL_ONLY_REPOS,
        KEY_INSTANCE_ID,
        KEY_PREDICTION,
        EvalType,
    )
    from swebench.harness.grading import (
        get_eval_report,
        get_eval_tests_report,
        get_logs_eval,
        get_resolution_status,
    )

    instance = item["instance"]
    test_spec = _grading_spec(instance)
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, encoding="utf-8") as f:
        f.write(item["log"])
        log_path = f.name
    try:
        prediction = {
            KEY_INSTANCE_ID: instance["instance_id"],
            KEY_PREDICTION: item.get("model_patch", ""),
            "model_name_or_path": item.get("model", "sealign"),
        }
        report = get_eval_report(test_spec, prediction, log_path, include_tests_status=True)
        status_map, found = get_logs_eval(test_spec, log_path)
    finally:
        os.unlink(log_path)
    entry = report[instance["instance_id"]]
    if found:
        eval_type = EvalType.FAIL_ONLY if test_spec.repo in FAIL_ONLY_REPOS else EvalType.PASS_AND_FAIL
        tests = get_eval_tests_report(
            status_map,
            {"FAIL_TO_PASS": test_spec.FAIL_TO_PASS, "PASS_TO_PASS": test_spec.PASS_TO_PASS},
            eval_type=eval_type,
        )
        resolution = get_resolution_status(tests)
    else:
        resolution = "RESOLVED_NO"
    return {
        "instance_id": instance["instance_id"],
        "report": report,
        "resolution": resolution,
        "resolved": entry["resolved"],
        "patch_successfully_applied": entry["patch_successfully_applied"],
        "status_map": status_map,
    }


def _answer(request):
    import swebench

    op = _spec if request["op"] == "spec" else _grade
    results = []
    for index, item in enumerate(request["items"]):
        try:
            results.append(op(item))
        except Exception as e:  # one bad instance must not lose the batch's other answers
            detail = traceback.format_exception_only(type(e), e)[-1].strip()
            results.append({"error": f"item {index}: {detail}"})
    return {"swebench_version": swebench.__version__, "results": results}


def _check(request):
    if not isinstance(request, dict) or request.get("op") not in ("spec", "grade"):
        return 'input must be {"op": "spec"|"grade", "items": [...]}'
    if not isinstance(request.get("items"), list):
        return '"items" must be a list'
    return None


def serve():
    import swebench  # noqa: F401  (import once, before the first request)

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            problem = _check(request)
            answer = {"error": problem} if problem else _answer(request)
        except json.JSONDecodeError as e:
            answer = {"error": f"request is not JSON: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main():
    if "--serve" in sys.argv[1:]:
        serve()
        return
    try:
        request = json.load(sys.stdin)
    except json.JSONDecodeError as e:
        _fail_input(f"input is not JSON: {e}")
    problem = _check(request)
    if problem:
        _fail_input(problem)
    json.dump(_answer(request), sys.stdout)


if __name__ == "__main__":
    main()
