import { z } from "zod";

/**
 * A task: a SWE-bench instance (METHOD.md section 3), or its local variant whose repository is
 * given inline (`files`, `test_files`, `test_command`, as in HumanEvalFix).
 *
 * FAIL_TO_PASS / PASS_TO_PASS arrive either as lists or, in the official datasets, as JSON
 * strings of lists; both are accepted and normalised to lists.
 */
export const TASK_SCHEMA_VERSION = "sealign.task/1";

const testList = z.preprocess((value) => {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return value; // left as a string so zod reports it as not a list
    }
  }
  return value;
}, z.array(z.string()));

const fileMap = z.record(z.string(), z.string());

export const TaskSchema = z
  .object({
    instance_id: z.string().min(1),
    repo: z.string().default(""),
    base_commit: z.string().default(""),
    problem_statement: z.string(),
    hints_text: z.string().default(""),
    /** Gold patch, when known. */
    patch: z.string().default(""),
    test_patch: z.string().default(""),
    FAIL_TO_PASS: testList.default([]),
    PASS_TO_PASS: testList.default([]),
    version: z.union([z.string(), z.number()]).transform(String).optional(),
    environment_setup_commit: z.string().optional(),
    created_at: z.string().optional(),
    /** Local variant: the repository's files inline, path -> content. */
    files: fileMap.optional(),
    /** Local variant: test files added before the tests run (like test_patch). */
    test_files: fileMap.optional(),
    /** Shell command that runs the tests in the workspace root. */
    test_command: z.string().optional(),
    language: z.string().optional(),
  })
  .passthrough();

export type Task = z.infer<typeof TaskSchema>;
export type TaskInput = z.input<typeof TaskSchema>;

/** True when the repository is carried inline rather than fetched at `base_commit`. */
export function isInlineTask(task: Task): task is Task & { files: Record<string, string> } {
  return task.files !== undefined;
}
