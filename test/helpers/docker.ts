import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Docker from "dockerode";
import { ensureBaseImage } from "../../src/images/base.js";
import { dockerAnswers } from "../../src/runtime/docker.js";

/**
 * Docker for tests: whether a daemon answers (tests skip, saying why, only when none does), and
 * small images built here from sealign's own base image (no registry is reachable).
 */
export const docker = new Docker();

/** Null when a daemon answers; otherwise why the docker tests are skipped. */
export async function dockerSkipReason(): Promise<string | null> {
  if (await dockerAnswers(docker, 5000)) return null;
  return `no Docker daemon answers at ${process.env.DOCKER_HOST || "unix:///var/run/docker.sock"} (scripts/setup-docker.sh starts one): docker runtime tests skipped`;
}

/** The base image (built by src/images/base.ts on first use, minutes; reused after). */
export async function testBaseImage(): Promise<string> {
  const base = await ensureBaseImage(docker, {
    onProgress: (line) => {
      if (line.startsWith("base:")) process.stderr.write(`${line}\n`);
    },
  });
  return base.image;
}

/**
 * An instance-like image: `files` committed in a git repository at /testbed on top of the base
 * (as SWE-bench images hold the repository at its base commit). Tagged by a hash of its content,
 * so it is built once.
 */
export async function repoImage(files: Record<string, string>): Promise<string> {
  const base = await testBaseImage();
  const dockerfile = [
    `FROM ${base}`,
    "COPY repo /testbed",
    "RUN cd /testbed && git init -q && git add -A && git -c user.email=t@example.com -c user.name=t commit -qm base",
    "WORKDIR /testbed",
  ].join("\n");
  const hash = createHash("sha256").update(JSON.stringify({ dockerfile, files })).digest("hex").slice(0, 12);
  const tag = `sealign-test/repo:${hash}`;
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch {
    // built below
  }
  const context = mkdtempSync(join(tmpdir(), "sealign-image-"));
  try {
    writeFileSync(join(context, "Dockerfile"), dockerfile);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(context, "repo", path)), { recursive: true });
      writeFileSync(join(context, "repo", path), content);
    }
    const tar = spawn("tar", ["-C", context, "-cf", "-", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const stream = await docker.buildImage(tar.stdout as unknown as NodeJS.ReadableStream, {
      t: tag,
      rm: true,
    });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((m) => m.error);
        if (error || failed) reject(error ?? new Error(`building ${tag}: ${failed?.error}`));
        else resolve();
      }),
    );
    return tag;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
