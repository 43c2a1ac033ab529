/**
 * SWE-bench-compatible instance images built without any image registry, in three shared layers
 * on the base image (src/images/base.ts):
 *
 *   base -> python (the instance's CPython: the host's pyenv build copied in, or the base's own)
 *        -> env    (a venv at /opt/miniconda3/envs/testbed with the specs' packages from PyPI)
 *        -> instance `swebench/sweb.eval.x86_64.<id>:latest` (the repository at base_commit in
 *           /testbed, installed and committed as the harness's repository script does)
 *
 * The harness's scripts start with `source /opt/miniconda3/bin/activate; conda activate testbed`.
 * conda itself is not reachable here, so the python layer puts a small `activate` at that path
 * whose `conda activate NAME` activates the venv `/opt/miniconda3/envs/NAME`: the harness's eval
 * script then runs in these images unchanged (and the official harness can use them).
 *
 * Every layer carries the hash of its recipe (its parent's hash and the scripts it runs); an image
 * already there with the same hash is reused, so a build is resumable and 100 instances of one
 * repository version share one environment. Builds of the same layer in flight are shared too.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import type { HarnessSpec } from "../swebench/harness.js";
import { inspectImage, RECIPE_LABEL } from "./base.js";
import { envFixFor } from "./env-fixes.js";

/** Bump when a layer's steps change in a way its scripts do not show. */
const LAYER_RECIPE_VERSION = 1;

/** Where the python layer puts a pyenv interpreter: the path it was built for (rpath, sysconfig). */
const PYENV_IN_IMAGE = "/root/.pyenv/versions";
/** Build requirements kept in the image for the eval script's offline reinstall. */
export const WHEELHOUSE = "/opt/sealign/wheels";
const ENV_NAME = "testbed";

/** What the host offers as a CPython of a given minor version. */
export interface PythonSource {
  /** `3.9` */
  minor: string;
  /** `pyenv` (a host build copied in) or `base` (the base image's own python3). */
  kind: "pyenv" | "base";
  /** The full version, e.g. 3.9.18. */
  version: string;
  /** Host folder of a pyenv build. */
  hostDir?: string;
  /** The interpreter inside the image. */
  interpreter: string;
}

/** One layer image as built or reused. */
export interface LayerImage {
  image: string;
  layer: "python" | "env" | "instance";
  recipeHash: string;
  built: boolean;
  durationMs: number;
  /** The image's size with its parents. */
  sizeBytes: number;
  /** What this layer adds over its parent. */
  ownBytes: number;
}

export interface LayerBuilderOptions {
  /** The base image reference and its recipe hash (ensureBaseImage). */
  base: { image: string; recipeHash: string; release: string; sizeBytes: number };
  /** pyenv's root on the host (default `$PYENV_ROOT` or ~/.pyenv). */
  pyenvRoot?: string;
  /** Rebuild layers even when an image with the same recipe exists. */
  force?: boolean;
  onProgress?: (line: string) => void;
}

/** The input of one instance image. */
export interface InstanceInput {
  spec: HarnessSpec;
  baseCommit: string;
  /** The repository's local clone (bare or not) holding `baseCommit`. */
  repoDir: string;
  /** The image name (default: the harness's, `spec.image`). */
  image?: string;
}

export class LayerBuilder {
  private readonly inFlight = new Map<string, Promise<LayerImage>>();
  private readonly progress: (line: string) => void;
  private readonly pyenvRoot: string;

  constructor(
    private readonly docker: Docker,
    private readonly options: LayerBuilderOptions,
  ) {
    this.progress = options.onProgress ?? (() => {});
    this.pyenvRoot = options.pyenvRoot ?? process.env.PYENV_ROOT ?? join(homedir(), ".pyenv");
  }

  /** The host's CPython for a minor version: the newest pyenv build, else the base's python3. */
  pythonSource(minor: string): PythonSource {
    const versionsDir = join(this.pyenvRoot, "versions");
    const builds = existsSync(versionsDir)
      ? readdirSync(versionsDir)
          .filter((v) => v.startsWith(`${minor}.`) && /^\d+\.\d+\.\d+$/.test(v))
          .sort((a, b) => Number(b.split(".")[2]) - Number(a.split(".")[2]))
      : [];
    const chosen = builds[0];
    if (chosen) {
      return {
        minor,
        kind: "pyenv",
        version: chosen,
        hostDir: join(versionsDir, chosen),
        interpreter: `${PYENV_IN_IMAGE}/${chosen}/bin/python${minor}`,
      };
    }
    const basePython = BASE_PYTHON[this.options.base.release];
    if (basePython === minor) {
      return { minor, kind: "base", version: minor, interpreter: `/usr/bin/python${minor}` };
    }
    throw new Error(
      `no Python ${minor} for the image: none under ${versionsDir} (install it with \`pyenv install ${minor}\`)` +
        ` and the base image's Debian ${this.options.base.release} has Python ${basePython ?? "unknown"}`,
    );
  }

  /** The python layer for a minor version (shared by every environment on it). */
  pythonLayer(minor: string): Promise<LayerImage> {
    const source = this.pythonSource(minor);
    const activate = condaActivateShim();
    const recipeHash = hashOf({
      v: LAYER_RECIPE_VERSION,
      parent: this.options.base.recipeHash,
      source: { kind: source.kind, version: source.version },
      activate,
    });
    const image = `sealign/sweb.python:${minor}-${recipeHash.slice(0, 12)}`;
    return this.once(image, async () => {
      const dockerfile = [
        `FROM ${this.options.base.image}`,
        ...(source.kind === "pyenv" ? [`COPY python/ ${PYENV_IN_IMAGE}/${source.version}/`] : []),
        "COPY activate /opt/miniconda3/bin/activate",
        // pip and requests use their own CA bundles; point them at the system's, which carries the
        // host's extra certificates (base.ts), so the env layer's pip works behind a proxy
        "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1",
        `RUN ${source.interpreter} --version`,
      ].join("\n");
      return this.build(
        image,
        "python",
        recipeHash,
        this.options.base.sizeBytes,
        { Dockerfile: dockerfile, activate },
        source.hostDir ? { python: source.hostDir } : {},
      );
    });
  }

  /** The script that makes the environment (a venv in place of the harness's conda env). */
  envScript(spec: HarnessSpec, source: PythonSource): string {
    const lines = [
      "#!/bin/bash",
      "set -euxo pipefail",
      `${source.interpreter} -m venv /opt/miniconda3/envs/${ENV_NAME}`,
      "source /opt/miniconda3/bin/activate",
      `conda activate ${ENV_NAME}`,
      // the venv's bundled pip can be years old (3.6, 3.7); pip picks the newest that supports it.
      // setuptools stays below 81, the release that dropped pkg_resources: the harness's conda
      // environments have it, and test suites of the instances' era import it
      "python -m pip install --upgrade pip",
      "python -m pip install 'setuptools<81' wheel",
    ];
    const packages = spec.packages ?? "";
    if (packages === "environment.yml") {
      throw new Error(
        `${spec.instance_id}: the specs of ${spec.repo} ${spec.version} install a conda environment.yml, ` +
          "which needs conda (not reachable from this machine); use a published image for it",
      );
    }
    if (packages === "requirements.txt") {
      if (spec.requirements === null) {
        throw new Error(`${spec.instance_id}: the specs name a requirements file the harness could not read`);
      }
      lines.push(
        `cat <<'EOF_59812759871' > $HOME/requirements.txt\n${spec.requirements}\nEOF_59812759871`,
        "python -m pip install -r $HOME/requirements.txt",
        "rm $HOME/requirements.txt",
      );
    } else if (packages.trim()) {
      lines.push(`python -m pip install ${condaToPip(packages).join(" ")}`);
    }
    if (spec.pip_packages.length > 0)
      lines.push(`python -m pip install ${spec.pip_packages.map(quote).join(" ")}`);
    const fix = envFixFor(spec.repo);
    if (fix)
      lines.push(`# sealign env fix: ${fix.why}`, `python -m pip install ${fix.pip.map(quote).join(" ")}`);
    return `${lines.join("\n")}\n`;
  }

  /** The environment layer of an instance's specs (shared by every instance with the same script). */
  async envLayer(spec: HarnessSpec): Promise<LayerImage> {
    if (!spec.python) throw new Error(`${spec.instance_id}: the specs name no Python version`);
    const source = this.pythonSource(spec.python);
    const python = await this.pythonLayer(spec.python);
    const script = this.envScript(spec, source);
    const recipeHash = hashOf({ v: LAYER_RECIPE_VERSION, parent: python.recipeHash, script });
    const image = `sealign/sweb.env.py.x86_64:${recipeHash.slice(0, 22)}`;
    return this.once(image, () =>
      this.build(image, "env", recipeHash, python.sizeBytes, {
        Dockerfile: [
          `FROM ${python.image}`,
          "COPY setup_env.sh /root/setup_env.sh",
          "RUN bash /root/setup_env.sh && rm /root/setup_env.sh",
        ].join("\n"),
        "setup_env.sh": script,
      }),
    );
  }

  /** The instance image: the repository at base_commit in /testbed, installed. */
  async instanceImage(input: InstanceInput): Promise<{ instance: LayerImage; env: LayerImage }> {
    const { spec } = input;
    const env = await this.envLayer(spec);
    const image = input.image ?? spec.image;
    const repo = await describeRepo(input.repoDir, input.baseCommit);
    const scmVersion = repo.usesSetuptoolsScm && repo.tags.length === 0 ? pretendVersion(spec.version) : null;
    const script = repoScript(spec, input.baseCommit, scmVersion);
    const recipeHash = hashOf({
      v: LAYER_RECIPE_VERSION,
      parent: env.recipeHash,
      script,
      tags: repo.tags,
    });
    const instance = await this.once(image, async () => {
      const work = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : "/tmp", "sealign-repo-"));
      try {
        const repoCopy = join(work, "repo.git");
        await copyAtBase(input.repoDir, input.baseCommit, repo.tags, repoCopy);
        const envLines = [`ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=${WHEELHOUSE}`];
        if (scmVersion) envLines.push(`ENV SETUPTOOLS_SCM_PRETEND_VERSION=${scmVersion}`);
        return await this.build(
          image,
          "instance",
          recipeHash,
          env.sizeBytes,
          {
            Dockerfile: [
              `FROM ${env.image}`,
              "COPY repo.git /root/repo.git",
              "COPY setup_repo.sh /root/",
              "RUN bash /root/setup_repo.sh && rm -rf /root/repo.git /root/setup_repo.sh",
              ...envLines,
              "WORKDIR /testbed",
              `LABEL sealign.instance_id=${JSON.stringify(spec.instance_id)} sealign.base_commit=${input.baseCommit}`,
            ].join("\n"),
            "setup_repo.sh": script,
          },
          { "repo.git": repoCopy },
        );
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
    return { instance, env };
  }

  /** One build per image name at a time: concurrent callers share it. */
  private once(image: string, make: () => Promise<LayerImage>): Promise<LayerImage> {
    let pending = this.inFlight.get(image);
    if (!pending) {
      pending = make();
      this.inFlight.set(image, pending);
      pending.catch(() => this.inFlight.delete(image));
    }
    return pending;
  }

  /** Reuse the image when its recipe matches, else build it from a context of files. */
  private async build(
    image: string,
    layer: LayerImage["layer"],
    recipeHash: string,
    parentBytes: number,
    files: Record<string, string>,
    hostPaths: Record<string, string> = {},
  ): Promise<LayerImage> {
    const existing = await inspectImage(this.docker, image);
    if (existing && existing.labels[RECIPE_LABEL] === recipeHash && !this.options.force) {
      this.progress(`${layer} layer ${image}: up to date`);
      return {
        image,
        layer,
        recipeHash,
        built: false,
        durationMs: 0,
        sizeBytes: existing.size,
        ownBytes: Math.max(0, existing.size - parentBytes),
      };
    }
    const started = Date.now();
    this.progress(`${layer} layer ${image}: building`);
    const ctx = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : "/tmp", "sealign-ctx-"));
    try {
      const labelled = `${files.Dockerfile}\nLABEL ${RECIPE_LABEL}=${recipeHash} sealign.layer=${layer}\n`;
      for (const [name, text] of Object.entries({ ...files, Dockerfile: labelled }))
        writeFileSync(join(ctx, name), text);
      const tarArgs = ["--numeric-owner", "-cf", "-", "-C", ctx, ...Object.keys(files)];
      for (const [name, path] of Object.entries(hostPaths)) {
        // the host path goes into the context under `name` (a folder or a file)
        tarArgs.push(
          "-C",
          join(path, ".."),
          `--transform=s,^${escapeSed(basename(path))},${name},`,
          basename(path),
        );
      }
      await buildFromTar(this.docker, image, tarArgs, (line) => this.progress(`  ${line}`));
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    const made = await inspectImage(this.docker, image);
    if (!made || made.labels[RECIPE_LABEL] !== recipeHash)
      throw new Error(`the build of ${image} finished but the image is missing or lacks its recipe label`);
    const durationMs = Date.now() - started;
    this.progress(`${layer} layer ${image}: built in ${(durationMs / 1000).toFixed(1)} s`);
    return {
      image,
      layer,
      recipeHash,
      built: true,
      durationMs,
      sizeBytes: made.size,
      ownBytes: Math.max(0, made.size - parentBytes),
    };
  }
}

/** Debian's python3 by release (the base's fallback interpreter). */
const BASE_PYTHON: Record<string, string> = { bullseye: "3.9", bookworm: "3.11", trixie: "3.13" };

/** `/opt/miniconda3/bin/activate`: conda's two commands the harness's scripts use, over venvs. */
export function condaActivateShim(): string {
  return [
    "# sealign: the SWE-bench harness's scripts run `source /opt/miniconda3/bin/activate` and then",
    "# `conda activate testbed`. conda is not reachable where this image was built, so the",
    "# environment is a venv at /opt/miniconda3/envs/<name>; this gives conda's activate and",
    "# deactivate for it, and says so for any other conda command.",
    "conda() {",
    "  [ $# -gt 0 ] || set -- ''",
    '  case "$1" in',
    "    activate)",
    '      local name=testbed; [ $# -lt 2 ] || name="$2"',
    '      if [ ! -f "/opt/miniconda3/envs/$name/bin/activate" ]; then echo "conda activate: no environment $name" >&2; return 1; fi',
    '      . "/opt/miniconda3/envs/$name/bin/activate"',
    '      export CONDA_DEFAULT_ENV="$name" CONDA_PREFIX="/opt/miniconda3/envs/$name"',
    "      ;;",
    "    deactivate) deactivate; unset CONDA_DEFAULT_ENV CONDA_PREFIX ;;",
    '    *) echo "conda $1: not available in this image (a venv stands in for conda)" >&2; return 1 ;;',
    "  esac",
    "}",
    "",
  ].join("\n");
}

/** conda package specs (`numpy`, `numpy=1.19`, `python-dateutil>=2`) as pip specifiers. */
export function condaToPip(packages: string): string[] {
  return packages
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => quote(p.replace(/^([A-Za-z0-9_.-]+)=(?!=)([^=]+)$/, "$1==$2")));
}

/** The harness's repository script (make_repo_script_list_py), cloning a local copy in place of GitHub. */
export function repoScript(spec: HarnessSpec, baseCommit: string, scmVersion: string | null): string {
  const lines = [
    "#!/bin/bash",
    "set -euxo pipefail",
    "git clone -o origin /root/repo.git /testbed",
    "chmod -R 777 /testbed",
    "cd /testbed",
    `git reset --hard ${baseCommit}`,
    "git remote remove origin",
    `TARGET_TIMESTAMP=$(git show -s --format=%ci ${baseCommit})`,
    'git tag -l | while read tag; do TAG_COMMIT=$(git rev-list -n 1 "$tag"); TAG_TIME=$(git show -s --format=%ci "$TAG_COMMIT"); if [[ "$TAG_TIME" > "$TARGET_TIMESTAMP" ]]; then git tag -d "$tag"; fi; done',
    "git reflog expire --expire=now --all",
    "git gc --prune=now --aggressive",
    "AFTER_TIMESTAMP=$(date -d \"$TARGET_TIMESTAMP + 1 second\" '+%Y-%m-%d %H:%M:%S')",
    'COMMIT_COUNT=$(git log --oneline --all --since="$AFTER_TIMESTAMP" | wc -l)',
    '[ "$COMMIT_COUNT" -eq 0 ] || exit 1',
    "source /opt/miniconda3/bin/activate",
    `conda activate ${ENV_NAME}`,
    'echo "Current environment: $CONDA_DEFAULT_ENV"',
  ];
  if (scmVersion) lines.push(`export SETUPTOOLS_SCM_PRETEND_VERSION=${scmVersion}`);
  if (spec.repo_install) lines.push(spec.repo_install);
  lines.push(...spec.pre_install);
  if (spec.install) lines.push(spec.install);
  // the eval script runs the install again with no network: keep the build requirements here
  lines.push(
    `mkdir -p ${WHEELHOUSE}`,
    `python - > /root/build-requires.txt <<'EOF_SEALIGN'\n${BUILD_REQUIRES_PY}\nEOF_SEALIGN`,
    `python -m pip download --dest ${WHEELHOUSE} -r /root/build-requires.txt`,
    "rm /root/build-requires.txt",
    "git config --global user.email setup@swebench.config",
    "git config --global user.name SWE-bench",
    "git commit --allow-empty -am SWE-bench",
  );
  return `${lines.join("\n")}\n`;
}

/** Prints the project's PEP 517 build requirements (setuptools' defaults without a pyproject). */
const BUILD_REQUIRES_PY = String.raw`import os
reqs = ["setuptools>=40.8.0", "wheel"]
if os.path.exists("pyproject.toml"):
    try:
        import tomllib as toml
    except ImportError:
        from pip._vendor import tomli as toml
    with open("pyproject.toml", "rb") as f:
        data = toml.load(f)
    reqs = data.get("build-system", {}).get("requires", reqs)
print("\n".join(reqs))`;

/** `8.0` -> `8.0.0.dev0`: a version setuptools_scm reports for an untagged checkout of that release. */
export function pretendVersion(version: string): string {
  const parts = version.split(".");
  while (parts.length < 3) parts.push("0");
  return `${parts.join(".")}.dev0`;
}

interface RepoFacts {
  /** Tags reachable from the base commit, as the harness's clone would keep them. */
  tags: string[];
  usesSetuptoolsScm: boolean;
}

/**
 * Facts read from the local clone at the base commit with `git show`/`git tag` (the user's clone
 * of the upstream repository, not a workspace a model touched). Tags named `base-<sha12>` are how
 * sealign's shared archives mark base commits, not the project's own: they are not carried.
 */
async function describeRepo(repoDir: string, baseCommit: string): Promise<RepoFacts> {
  const exists = await git(repoDir, ["cat-file", "-e", `${baseCommit}^{commit}`]);
  if (exists.code !== 0)
    throw new Error(`base commit ${baseCommit} is not in ${repoDir} (fetch it into the local clone)`);
  const tags = (await git(repoDir, ["tag", "--merged", baseCommit])).stdout
    .split("\n")
    .map((t) => t.trim())
    .filter((t) => t && !/^base-[0-9a-f]{12}$/.test(t));
  let usesSetuptoolsScm = false;
  for (const file of ["pyproject.toml", "setup.cfg", "setup.py"]) {
    const shown = await git(repoDir, ["show", `${baseCommit}:${file}`]);
    if (shown.code === 0 && /setuptools[_-]scm/.test(shown.stdout)) usesSetuptoolsScm = true;
  }
  return { tags, usesSetuptoolsScm };
}

/**
 * A bare repository holding the base commit's history as branch `main` (its HEAD) and the tags to
 * carry, fetched from the local clone by commit id (clones made shallow keep their shallow roots).
 * A bundle would not do: a bundle of a shallow history is not self-contained.
 */
async function copyAtBase(
  repoDir: string,
  baseCommit: string,
  tags: string[],
  target: string,
): Promise<void> {
  const steps: string[][] = [
    ["init", "--quiet", "--bare", "--initial-branch=main", target],
    [
      "-C",
      target,
      "-c",
      "protocol.file.allow=always",
      "fetch",
      "--quiet",
      "--update-shallow",
      "--no-tags",
      "--upload-pack=git -c uploadpack.allowAnySHA1InWant=true upload-pack",
      repoDir,
      `${baseCommit}:refs/heads/main`,
      ...tags.map((t) => `refs/tags/${t}:refs/tags/${t}`),
    ],
  ];
  for (const args of steps) {
    const r = await git(null, args);
    if (r.code !== 0)
      throw new Error(
        `copying ${baseCommit} out of ${repoDir} failed (git ${args.includes("fetch") ? "fetch" : "init"}): ${r.stderr.trim()}`,
      );
  }
}

function git(
  repoDir: string | null,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", repoDir ? ["-C", repoDir, ...args] : args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", (e) => reject(new Error(`git: ${e.message}`)));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `docker build` of a tar context streamed from `tar`; the build's output goes to `progress`. */
async function buildFromTar(
  docker: Docker,
  image: string,
  tarArgs: string[],
  progress: (line: string) => void,
): Promise<void> {
  const tar = spawn("tar", tarArgs, { stdio: ["ignore", "pipe", "pipe"] });
  let tarError = "";
  tar.stderr.on("data", (c: Buffer) => {
    tarError += c.toString();
  });
  const tarDone = new Promise<number>((resolve) => tar.on("close", (code) => resolve(code ?? 1)));
  const stream = await docker.buildImage(tar.stdout, { t: image, rm: true, forcerm: true });
  const last: string[] = [];
  const failure = await new Promise<string | null>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        if (error) return reject(error);
        const failed = output.find((m) => m.error || m.errorDetail);
        resolve(failed ? (failed.errorDetail?.message ?? failed.error ?? "unknown error") : null);
      },
      (event: { stream?: string }) => {
        for (const line of (event.stream ?? "").split("\n")) {
          if (!line.trim()) continue;
          last.push(line);
          if (last.length > 30) last.shift();
          progress(line);
        }
      },
    );
  });
  const code = await tarDone;
  if (code !== 0)
    throw new Error(`tar of the build context of ${image} failed (exit ${code}): ${tarError.trim()}`);
  if (failure) throw new Error(`docker build of ${image} failed: ${failure}\n${last.slice(-15).join("\n")}`);
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

function quote(text: string): string {
  return /^[A-Za-z0-9_.=<>~!,+-]+$/.test(text) && !/[<>]/.test(text)
    ? text
    : `'${text.replaceAll("'", "'\\''")}'`;
}

function basename(path: string): string {
  return path.replace(/\/+$/, "").split("/").pop() as string;
}

function escapeSed(text: string): string {
  return text.replace(/[.[\]*^$\\,]/g, "\\$&");
}
