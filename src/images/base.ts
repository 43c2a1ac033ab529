/**
 * The base image every instance image is built on, made without any image registry: a
 * `debootstrap --variant=minbase` of the machine's Debian release with what SWE-bench's images
 * need (git, patch, build tools, the shared libraries and headers a pyenv-built CPython and
 * compiled wheels need), the host's extra CA certificates added (so pip works behind a
 * TLS-intercepting proxy), then `docker import`.
 *
 * Built once and reused: the image carries a label with a content hash of its recipe (release,
 * mirror, packages, CA certificates, recipe version); a tag whose label differs is rebuilt.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";

/** Bump when the build steps change in a way the other recipe fields do not show. */
const RECIPE_VERSION = 1;

/** The label holding the recipe's hash. */
export const RECIPE_LABEL = "sealign.recipe";

/**
 * Debian packages in the base. SWE-bench's base Dockerfile installs git, build-essential,
 * libffi-dev, libtiff-dev, jq, curl, locales, tzdata and patch on Ubuntu; its Python comes from
 * conda, which is not reachable here, so the headers a CPython build (pyenv) and source builds of
 * old wheels need are added, and Debian's own python3 as a fallback interpreter.
 */
export const BASE_PACKAGES = [
  "bash",
  "ca-certificates",
  "git",
  "patch",
  "procps",
  "curl",
  "wget",
  "jq",
  "locales",
  "tzdata",
  "xz-utils",
  "bzip2",
  "unzip",
  "build-essential",
  "pkg-config",
  "libssl-dev",
  "libffi-dev",
  "zlib1g-dev",
  "libbz2-dev",
  "liblzma-dev",
  "libsqlite3-dev",
  "libreadline-dev",
  "libncursesw5-dev",
  "libgdbm-dev",
  "uuid-dev",
  "libtiff-dev",
  "libjpeg-dev",
  "libxml2-dev",
  "libxslt1-dev",
  "python3",
  "python3-venv",
  "python3-pip",
  "python3-dev",
];

/** Where the host keeps extra CA certificates (Debian's update-ca-certificates convention). */
const HOST_EXTRA_CA_DIR = "/usr/local/share/ca-certificates";

export interface BaseImageOptions {
  /** Debian release codename (default: the machine's, from /etc/os-release). */
  release?: string;
  /** Debian mirror (default: the first of the machine's apt sources, else deb.debian.org). */
  mirror?: string;
  /** Image repository (default `sealign/base`); the tag is the release. */
  repository?: string;
  /** Rebuild even when an image with the same recipe exists. */
  force?: boolean;
  /** A line per build step, for progress. */
  onProgress?: (line: string) => void;
  /** Where debootstrap keeps downloaded packages between builds (default ~/.cache/sealign/debootstrap). */
  cacheDir?: string;
}

export interface BaseImage {
  /** The image reference, e.g. `sealign/base:bookworm`. */
  image: string;
  release: string;
  recipeHash: string;
  /** False when an image with the same recipe was already there. */
  built: boolean;
  /** Build time (0 when reused). */
  durationMs: number;
  /** The image's size as the daemon reports it. */
  sizeBytes: number;
}

/** The machine's Debian release codename, from /etc/os-release. */
export function hostDebianRelease(osRelease = "/etc/os-release"): string {
  let text: string;
  try {
    text = readFileSync(osRelease, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read ${osRelease} to find the Debian release (pass a release): ${(error as Error).message}`,
    );
  }
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1] as string, (m[2] as string).replace(/^["']|["']$/g, ""));
  }
  const codename = fields.get("VERSION_CODENAME");
  const id = fields.get("ID");
  if (!codename || (id !== "debian" && !(fields.get("ID_LIKE") ?? "").includes("debian"))) {
    throw new Error(
      `${osRelease} names no Debian release codename (ID=${id ?? "?"}); pass a release such as bookworm`,
    );
  }
  return codename;
}

/** The machine's Debian mirror, from its apt sources (deb822 or one-line format). */
export function hostDebianMirror(): string {
  const files = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822 && !deb822[1]?.includes("security")) return deb822[1] as string;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(text);
    if (oneLine && !oneLine[1]?.includes("security")) return oneLine[1] as string;
  }
  return "http://deb.debian.org/debian";
}

/** The host's extra CA certificates (name, contents), sorted by name. */
function hostExtraCertificates(): Array<{ name: string; pem: string }> {
  if (!existsSync(HOST_EXTRA_CA_DIR)) return [];
  const out: Array<{ name: string; pem: string }> = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (entry.isFile() && entry.name.endsWith(".crt"))
        out.push({ name: `${prefix}${entry.name}`, pem: readFileSync(path, "utf8") });
    }
  };
  walk(HOST_EXTRA_CA_DIR, "");
  return out;
}

/** The hash of everything the image is made from: equal hashes mean an equal image. */
export function baseRecipeHash(
  release: string,
  mirror: string,
  certificates: Array<{ name: string; pem: string }>,
): string {
  const recipe = JSON.stringify({
    version: RECIPE_VERSION,
    release,
    mirror,
    packages: BASE_PACKAGES,
    certificates,
  });
  return createHash("sha256").update(recipe).digest("hex").slice(0, 16);
}

/** The labels and size of an image, or null when the daemon has none of that name. */
export async function inspectImage(
  docker: Docker,
  image: string,
): Promise<{ labels: Record<string, string>; size: number } | null> {
  try {
    const info = await docker.getImage(image).inspect();
    return { labels: info.Config?.Labels ?? {}, size: info.Size };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/**
 * The base image for `release`: reused when the daemon has it with this recipe's hash, built
 * otherwise. Needs root (debootstrap) and network access to the Debian mirror.
 */
export async function ensureBaseImage(docker: Docker, options: BaseImageOptions = {}): Promise<BaseImage> {
  const release = options.release ?? hostDebianRelease();
  const mirror = options.mirror ?? hostDebianMirror();
  const image = `${options.repository ?? "sealign/base"}:${release}`;
  const certificates = hostExtraCertificates();
  const recipeHash = baseRecipeHash(release, mirror, certificates);
  const progress = options.onProgress ?? (() => {});

  const existing = await inspectImage(docker, image);
  if (existing && existing.labels[RECIPE_LABEL] === recipeHash && !options.force) {
    return { image, release, recipeHash, built: false, durationMs: 0, sizeBytes: existing.size };
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      `building ${image} needs root (debootstrap and chroot); run as root or build it once with sudo`,
    );
  }

  // one build at a time per release (two test files, or two commands, may ask at once): the
  // second waits, then finds the first's image
  const lock = await acquireBuildLock(join(homedir(), ".cache", "sealign", `base-${release}.lock`), progress);
  try {
    const again = await inspectImage(docker, image);
    if (again && again.labels[RECIPE_LABEL] === recipeHash && !options.force) {
      return { image, release, recipeHash, built: false, durationMs: 0, sizeBytes: again.size };
    }
    return await buildBase(docker, {
      image,
      release,
      mirror,
      recipeHash,
      certificates,
      progress,
      cacheDir: options.cacheDir,
    });
  } finally {
    lock.release();
  }
}

async function buildBase(
  docker: Docker,
  o: {
    image: string;
    release: string;
    mirror: string;
    recipeHash: string;
    certificates: Array<{ name: string; pem: string }>;
    progress: (line: string) => void;
    cacheDir: string | undefined;
  },
): Promise<BaseImage> {
  const { image, release, mirror, recipeHash, certificates, progress } = o;
  const started = Date.now();
  const cacheDir = o.cacheDir ?? join(homedir(), ".cache", "sealign", "debootstrap", release);
  mkdirSync(cacheDir, { recursive: true });
  // /var/tmp, not /tmp: a root file system is hundreds of MB and /tmp is often a small tmpfs
  const work = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : "/tmp", "sealign-base-"));
  const rootfs = join(work, "rootfs");
  try {
    progress(
      `base: debootstrap --variant=minbase ${release} from ${mirror} (${BASE_PACKAGES.length} packages)`,
    );
    await run(
      "debootstrap",
      [
        "--variant=minbase",
        `--include=${BASE_PACKAGES.join(",")}`,
        `--cache-dir=${cacheDir}`,
        release,
        rootfs,
        mirror,
      ],
      progress,
    );
    if (certificates.length > 0) {
      progress(`base: adding ${certificates.length} extra CA certificate(s) from ${HOST_EXTRA_CA_DIR}`);
      for (const cert of certificates) {
        const target = join(rootfs, "usr/local/share/ca-certificates", cert.name);
        mkdirSync(join(target, ".."), { recursive: true });
        writeFileSync(target, cert.pem);
      }
      await run("chroot", [rootfs, "update-ca-certificates", "--fresh"], progress);
    }
    // what SWE-bench's images set: a UTF-8 locale; and no package caches in the image
    writeFileSync(join(rootfs, "etc/locale.gen"), "en_US.UTF-8 UTF-8\n");
    await run("chroot", [rootfs, "locale-gen"], progress);
    for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists", "var/log"]) {
      const path = join(rootfs, dir);
      if (!existsSync(path)) continue;
      for (const entry of readdirSync(path)) {
        if (entry !== "partial" && entry !== "lock")
          rmSync(join(path, entry), { recursive: true, force: true });
      }
    }
    progress(`base: docker import as ${image}`);
    await importRootfs(docker, rootfs, image, [
      `LABEL ${RECIPE_LABEL}=${recipeHash}`,
      `LABEL sealign.base.release=${release}`,
      "ENV LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "WORKDIR /testbed",
      'CMD ["/bin/bash"]',
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const made = await inspectImage(docker, image);
  if (!made || made.labels[RECIPE_LABEL] !== recipeHash) {
    throw new Error(`docker import finished but ${image} is missing or lacks its ${RECIPE_LABEL} label`);
  }
  return { image, release, recipeHash, built: true, durationMs: Date.now() - started, sizeBytes: made.size };
}

/** Stream the root file system as a tar into `docker import` (POST /images/create?fromSrc=-). */
async function importRootfs(docker: Docker, rootfs: string, image: string, changes: string[]): Promise<void> {
  const [repo, tag] = splitTag(image);
  const tar = spawn("tar", ["--numeric-owner", "--xattrs", "-C", rootfs, "-cf", "-", "."], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tarError = "";
  tar.stderr.on("data", (chunk: Buffer) => {
    tarError += chunk.toString();
  });
  const tarDone = new Promise<number>((resolve) => tar.on("close", (code) => resolve(code ?? 1)));
  const response = await docker.importImage(tar.stdout, {
    repo,
    tag,
    changes,
    message: "sealign base (debootstrap)",
  });
  const messages = await new Promise<Array<{ error?: string; status?: string }>>((resolve, reject) => {
    docker.modem.followProgress(response, (error: Error | null, output: Array<{ error?: string }>) =>
      error ? reject(error) : resolve(output),
    );
  });
  const failed = messages.find((m) => m.error);
  if (failed) throw new Error(`docker import of ${image} failed: ${failed.error}`);
  const code = await tarDone;
  if (code !== 0)
    throw new Error(`tar of the base root file system failed (exit ${code}): ${tarError.trim()}`);
}

function splitTag(image: string): [string, string] {
  const at = image.lastIndexOf(":");
  if (at <= image.lastIndexOf("/")) return [image, "latest"];
  return [image.slice(0, at), image.slice(at + 1)];
}

/** Run a command to its end; its output goes to `progress` a line at a time; throws on failure. */
function run(command: string, args: string[], progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const last: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) {
        if (!line.trim()) continue;
        last.push(line);
        if (last.length > 20) last.shift();
        progress(`  ${line}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (error) => reject(new Error(`${command}: ${error.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} ${args.slice(0, 3).join(" ")} failed (exit ${code}):\n${last.join("\n")}`),
        );
    });
  });
}

/**
 * An exclusive lock file holding the owner's pid; a lock whose owner is dead is taken over.
 * Waits (polling) while a live process holds it.
 */
async function acquireBuildLock(
  path: string,
  progress: (line: string) => void,
): Promise<{ release(): void }> {
  mkdirSync(join(path, ".."), { recursive: true });
  let told = false;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(path, "utf8").trim());
    } catch {
      continue; // released meanwhile
    }
    // an empty file is one being written this instant: its owner is alive
    let alive = !(owner > 0);
    if (owner > 0) {
      try {
        process.kill(owner, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (!alive) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) progress(`base: another process (pid ${owner}) is building this image; waiting`);
    told = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
