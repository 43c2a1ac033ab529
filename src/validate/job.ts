/**
 * The validation of one patch as a self-contained job: the task record, the patch and the
 * settings travel in `ValidateJobData`, so that a local run and a queue worker validate with the
 * same code (`runValidateJob`, around `validateOne`).
 */
import type { Runtime, TaskBase } from "../runtime/types.js";
import type { SandboxLimits } from "../sandbox/bwrap.js";
import type { Task } from "../schema/task.js";
import type { ParserName } from "./status.js";
import { type ValidationReport, validateOne } from "./validate-one.js";

export interface ValidateJobData {
  runId: string;
  task: Task;
  /** The item's report key (trajectory id or instance id). */
  itemId: string;
  patch: string;
  timeoutMs: number;
  parser: ParserName | "auto";
  testCommand?: string;
  limits?: SandboxLimits;
}

/** What the machine running the job supplies. */
export interface ValidateJobContext {
  /** The task's prepared base, from `runtime`. */
  base: TaskBase;
  /** The runtime that prepared `base`; it opens the validation's environment. */
  runtime: Runtime;
  workRoot: string;
  unsafeNoSandbox?: boolean;
}

/** The verdict and the test log of one patch. */
export interface ValidateJobResult {
  report: ValidationReport;
  log: string;
}

/** Validate one patch (harness failures come back as `report.error`, never thrown). */
export function runValidateJob(
  data: ValidateJobData,
  context: ValidateJobContext,
): Promise<ValidateJobResult> {
  return validateOne(data.task, data.patch, context.base, {
    runtime: context.runtime,
    timeoutMs: data.timeoutMs,
    parser: data.parser,
    testCommand: data.testCommand,
    workRoot: context.workRoot,
    limits: data.limits,
    unsafeNoSandbox: context.unsafeNoSandbox,
  });
}
