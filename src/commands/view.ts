import type { Command } from "commander";
import { InputError } from "../errors.js";
import { Catalog } from "../view/catalog.js";
import { startViewServer } from "../view/server.js";
import { parseNumber } from "./options.js";

/**
 * `sealign view PATH... [--port P]`: index a run folder (or trajectory / pair / tree / report
 * files) and serve the viewer on 127.0.0.1 until interrupted.
 */
export function registerView(program: Command): void {
  program
    .command("view")
    .description("serve a local, read-only web viewer over runs, trajectories, trees and critical pairs")
    .argument("<paths...>", "run folder(s) or trajectory / pair / tree / report files")
    .option("-p, --port <port>", "port on 127.0.0.1 (0 = any free port)", "8765")
    .option("--skip-invalid", "show the rest when some records are invalid (they are listed on the overview)")
    .action(async (paths: string[], options: { port: string; skipInvalid?: boolean }) => {
      const port = parseNumber(options.port, "--port", { integer: true, min: 0, max: 65535 });
      const started = Date.now();
      const tty = process.stderr.isTTY;
      // On a terminal one line updated in place; otherwise (logs, CI) a line every 2 seconds.
      let lastLine = started;
      const catalog = await Catalog.open(paths, {
        skipInvalid: options.skipInvalid,
        onProgress: ({ records, file }) => {
          const line = `view: indexing ${file}: ${records} records`;
          if (tty) process.stderr.write(`\r\x1b[K${line}`);
          else if (Date.now() - lastLine >= 2000) {
            lastLine = Date.now();
            process.stderr.write(`${line}\n`);
          }
        },
      });
      if (tty) process.stderr.write("\r\x1b[K");
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `view: ${catalog.trajectories.length} trajectories, ${catalog.pairs.length} pairs, ` +
          `${catalog.treeTasks.length} trees, ${catalog.reports.length} reports from ${catalog.files.length} files ` +
          `in ${seconds}s` +
          (catalog.skipped.length ? `; ${catalog.skipped.length} invalid records skipped` : "") +
          "\n",
      );
      if (catalog.files.length === 0) {
        throw new InputError(
          `nothing to show: no trajectory, pair, tree or report file under ${paths.join(", ")}`,
        );
      }
      let server: Awaited<ReturnType<typeof startViewServer>>;
      try {
        server = await startViewServer(catalog, { port });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
          throw new InputError(`port ${port} is in use; pick another with --port (0 = any free port)`);
        }
        throw error;
      }
      // The URL goes to stdout alone so scripts (and tests) can read it.
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
