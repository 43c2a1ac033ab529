// Runtime benchmark, exec part (docs/runtime.md): the round trip of one trivial command (`true`)
// through the docker backend (one `docker exec`, and the persistent shell over one long-lived
// exec) against the local sandbox's one-shot (`bwrap` per command) and persistent shell, plus a
// container's start + remove. Medians over repeats, ratios against the local one-shot measured in
// the same run. Needs a Docker daemon and the base image (built on first use, minutes).
// Figures: written to bench/results/runtime.json (the "exec" section).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { DockerRuntime, ensureBaseImage, PersistentShell, runSandboxed } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const N = Number(process.env.RUNTIME_BENCH_N ?? 40);
const time = async (n, fn) => {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { median_ms: round(median(ms)), n };
};

const docker = new Docker();
try {
  await docker.ping();
} catch (error) {
  console.error(
    `runtime bench: no Docker daemon answers (${error.message}); start one with scripts/setup-docker.sh`,
  );
  process.exit(1);
}
const base = await ensureBaseImage(docker, { onProgress: (l) => l.startsWith("base:") && console.log(l) });
const limits = { softTimeoutMs: 10_000, hardTimeoutMs: 30_000 };

const workspace = mkdtempSync(join(tmpdir(), "sealign-bench-runtime-"));
writeFileSync(join(workspace, "a.txt"), "x\n");
const localOneShot = await time(N, async () => {
  const r = await runSandboxed("true", { workspace, timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`local one-shot failed: ${r.output}`);
});
const localShell = await PersistentShell.start({ workspace });
const localShellRt = await time(N * 5, async () => {
  if ((await localShell.run("true", limits)).exitCode !== 0) throw new Error("local shell failed");
});
await localShell.close();
rmSync(workspace, { recursive: true, force: true });

const runtime = new DockerRuntime({ runId: "bench" });
const env = await runtime.openImage(base.image, "", "bench");
const dockerExec = await time(N, async () => {
  const r = await env.exec("true", { timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`docker exec failed: ${r.output}`);
});
const shell = await env.startShell();
const dockerShell = await time(N * 5, async () => {
  if ((await shell.run("true", limits)).exitCode !== 0) throw new Error("docker shell failed");
});
await shell.close();
await env.close();
const startRemove = await time(Math.max(5, Math.round(N / 4)), async () => {
  const e = await runtime.openImage(base.image, "", "bench");
  await e.close();
});

const exec = {
  machine: { cores: availableParallelism(), node: process.version },
  date: new Date().toISOString(),
  image: base.image,
  image_size_mb: round(base.sizeBytes / 1e6, 0),
  local_one_shot: localOneShot,
  local_shell_round_trip: localShellRt,
  docker_exec_round_trip: dockerExec,
  docker_shell_round_trip: dockerShell,
  container_start_remove: startRemove,
  ratio_docker_exec_vs_local_one_shot: round(dockerExec.median_ms / localOneShot.median_ms),
  ratio_docker_shell_vs_local_shell: round(dockerShell.median_ms / localShellRt.median_ms),
};
console.log(`local one-shot (bwrap per command): median ${localOneShot.median_ms} ms (n=${localOneShot.n})`);
console.log(`local persistent shell round trip:  median ${localShellRt.median_ms} ms (n=${localShellRt.n})`);
console.log(
  `docker exec round trip:             median ${dockerExec.median_ms} ms (n=${dockerExec.n}), ${exec.ratio_docker_exec_vs_local_one_shot}x the local one-shot`,
);
console.log(
  `docker persistent shell round trip: median ${dockerShell.median_ms} ms (n=${dockerShell.n}), ${exec.ratio_docker_shell_vs_local_shell}x the local shell`,
);
console.log(`container start + remove:           median ${startRemove.median_ms} ms (n=${startRemove.n})`);

// the results file is shared with the images/validation part of this benchmark: keep its sections
const out = join(here, "results", "runtime.json");
mkdirSync(dirname(out), { recursive: true });
const previous = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};
writeFileSync(out, `${JSON.stringify({ ...previous, exec }, null, 2)}\n`);
