import type { Command } from "commander";
import { Option } from "commander";
import { checkQueueName, parseQueueUrl } from "../queue/connection.js";
import { startQueueWorker } from "../worker/worker.js";
import { numberOption } from "./options.js";

const count = (flag: string, min: number) => numberOption(flag, { integer: true, min });
const seconds = (flag: string) => numberOption(flag, { above: 0 });

/** `sealign worker --queue redis://HOST:PORT` */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description(
      "take episode and validation jobs from a queue (collect/validate --queue) and run them here; SIGTERM drains",
    )
    .requiredOption("--queue <url>", "the queue's Redis: redis://HOST:PORT[/DB]")
    .option("--queue-name <name>", "queue name (as given to collect/validate)", "sealign")
    .option("--concurrency <n>", "jobs at a time", count("--concurrency", 1), 1)
    .addOption(
      new Option(
        "--runtime <runtime>",
        "where commands run: local (bubblewrap on this machine) or docker (the tasks' instance images)",
      )
        .choices(["local", "docker"])
        .default("local"),
    )
    .option("--image-namespace <ns>", "docker runtime: image namespace (swebench; SWE-Gym: xingyaoww)")
    .option(
      "--repos <dir>",
      "local clones of repository tasks' repos: DIR/owner/name, DIR/owner__name or DIR/name",
    )
    .option(
      "--lock <s>",
      "job lock duration; renewed every half of it while the job runs",
      seconds("--lock"),
      60,
    )
    .option(
      "--stalled-interval <s>",
      "how often to look for jobs of dead workers",
      seconds("--stalled-interval"),
      30,
    )
    .option("--max-stalled <n>", "worker deaths a job survives before it fails", count("--max-stalled", 0), 2)
    .option(
      "--drain-timeout <s>",
      "on SIGTERM: time running jobs get to finish before they are handed back",
      seconds("--drain-timeout"),
      25,
    )
    .option(
      "--unsafe-no-sandbox",
      "run agent commands WITHOUT isolation (only where bubblewrap is unavailable)",
    )
    .option("--quiet", "no per-job lines")
    .action(
      async (options: {
        queue: string;
        queueName: string;
        concurrency: number;
        runtime: "local" | "docker";
        imageNamespace?: string;
        repos?: string;
        lock: number;
        stalledInterval: number;
        maxStalled: number;
        drainTimeout: number;
        unsafeNoSandbox?: boolean;
        quiet?: boolean;
      }) => {
        parseQueueUrl(options.queue);
        const worker = await startQueueWorker({
          url: options.queue,
          queueName: checkQueueName(options.queueName),
          concurrency: options.concurrency,
          runtime: options.runtime,
          imageNamespace: options.imageNamespace,
          reposDir: options.repos,
          unsafeNoSandbox: options.unsafeNoSandbox,
          lockDurationMs: options.lock * 1000,
          stalledIntervalMs: options.stalledInterval * 1000,
          maxStalledCount: options.maxStalled,
          drainTimeoutMs: options.drainTimeout * 1000,
          log: options.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        // first SIGTERM/SIGINT drains; a second one exits at once (BullMQ's stalled-job check
        // then gives the running jobs to other workers)
        await new Promise<void>((resolve) => {
          let stopping = false;
          const onSignal = (signal: NodeJS.Signals) => {
            if (stopping) process.exit(130);
            stopping = true;
            process.stderr.write(`${worker.name}: ${signal}: draining\n`);
            worker.close().then(resolve, resolve);
          };
          process.on("SIGTERM", onSignal);
          process.on("SIGINT", onSignal);
        });
      },
    );
}
