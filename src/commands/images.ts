import type { Command } from "commander";
import { InputError } from "../errors.js";
import { buildInstanceImages } from "../images/build.js";
import { writeFileAtomic } from "../io/atomic.js";
import { loadTasks } from "../tasks/load.js";
import { numberOption } from "./options.js";

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** `sealign images build`: SWE-bench instance images without any image registry. */
export function registerImages(program: Command): void {
  const images = program.command("images").description("SWE-bench instance images for the docker runtime");
  images
    .command("build")
    .description(
      "build SWE-bench-compatible instance images (swebench/sweb.eval.x86_64.<id>) from local clones and PyPI, no registry: base (debootstrap) -> python -> env -> instance, layers shared; resumable",
    )
    .requiredOption("--tasks <file>", "SWE-bench instances (JSON list or JSONL)")
    .requiredOption(
      "--repos <dir>",
      "local clones: DIR/owner/name, DIR/owner__name or DIR/name (a .git suffix allowed)",
    )
    .option("-j, --jobs <n>", "instances built at once", numberOption("--jobs", { integer: true, min: 1 }), 1)
    .option("--instance <ids>", "only these instance ids (comma-separated, repeatable)", list)
    .option("--namespace <name>", "image namespace (default swebench, the harness's)")
    .option("--force", "rebuild layers even when their recipe is unchanged")
    .option("--report <file>", "write the build report (layers, sizes, times) as JSON")
    .option("-q, --quiet", "no build output, only the per-instance lines")
    .action(
      async (options: {
        tasks: string;
        repos: string;
        jobs: number;
        instance?: string[];
        namespace?: string;
        force?: boolean;
        report?: string;
        quiet?: boolean;
      }) => {
        let tasks = await loadTasks(options.tasks);
        if (options.instance) {
          const wanted = new Set(options.instance);
          const unknown = [...wanted].filter((id) => !tasks.some((t) => t.instance_id === id));
          if (unknown.length)
            throw new InputError(`--instance ${unknown.join(", ")}: not in ${options.tasks}`, {
              field: "--instance",
            });
          tasks = tasks.filter((t) => wanted.has(t.instance_id));
        }
        const report = await buildInstanceImages(tasks, {
          reposDir: options.repos,
          jobs: options.jobs,
          namespace: options.namespace,
          force: options.force,
          onProgress: (line) => {
            if (!options.quiet || /^\[\d+\/\d+\]/.test(line)) process.stderr.write(`${line}\n`);
          },
        });
        for (const r of report.instances)
          process.stdout.write(`${r.ok ? "ok    " : "FAILED"} ${r.image}${r.ok ? "" : `: ${r.error}`}\n`);
        const failed = report.instances.filter((r) => !r.ok).length;
        process.stdout.write(
          `${report.instances.length - failed} of ${report.instances.length} images ready; disk ${mb(report.totalBytes)} (base ${mb(report.base.sizeBytes)}, ${report.layers.length} layers counted once)\n`,
        );
        if (options.report) await writeFileAtomic(options.report, `${JSON.stringify(report, null, 2)}\n`);
        if (failed > 0) process.exitCode = 1;
      },
    );
}
