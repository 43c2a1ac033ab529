import type { Command } from "commander";
import { registerCollect } from "./collect.js";
import { registerDemo } from "./demo.js";
import { registerEval } from "./eval.js";
import { registerExport } from "./export.js";
import { registerImages } from "./images.js";
import { registerImport } from "./import.js";
import { registerPairs } from "./pairs.js";
import { registerSchema } from "./schema.js";
import { registerStats } from "./stats.js";
import { registerTasks } from "./tasks.js";
import { registerTrain } from "./train.js";
import { registerTree } from "./tree.js";
import { registerValidate } from "./validate.js";
import { registerView } from "./view.js";
import { registerWorker } from "./worker.js";

/**
 * Every CLI command, in pipeline order. Each lives in its own module named after it
 * (src/commands/<name>.ts) and exports one `register*` function, added here.
 */
export function registerCommands(program: Command): void {
  registerTasks(program);
  registerImport(program);
  registerCollect(program);
  registerStats(program);
  registerSchema(program);
  registerImages(program);
  registerValidate(program);
  registerWorker(program);
  registerTree(program);
  registerPairs(program);
  registerExport(program);
  registerTrain(program);
  registerEval(program);
  registerView(program);
  registerDemo(program);
}
