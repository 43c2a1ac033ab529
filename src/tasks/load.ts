import { InputError } from "../errors.js";
import { readRecords } from "../io/records.js";
import type { Task } from "../schema/task.js";
import { parseTask } from "../schema/validate.js";

/**
 * Load tasks from SWE-bench / SWE-Gym style files: a JSON list, a JSON dict keyed by
 * instance_id, JSONL (plain/.gz/.zst) or a Hugging Face Parquet export.
 * Duplicate instance ids are an error: they would make results ambiguous.
 */
export async function loadTasks(path: string): Promise<Task[]> {
  const tasks: Task[] = [];
  const seen = new Map<string, number>();
  for await (const record of readRecords(path)) {
    const values = isKeyedDict(record.value)
      ? Object.entries(record.value as Record<string, unknown>).map(([key, value], i) => ({
          value: { instance_id: key, ...(value as object) },
          line: i + 1,
        }))
      : [record];
    for (const { value, line } of values) {
      const task = parseTask(value, { file: path, line });
      const previous = seen.get(task.instance_id);
      if (previous !== undefined) {
        throw new InputError(`duplicate instance_id "${task.instance_id}" (first at ${previous})`, {
          file: path,
          line,
          field: "instance_id",
        });
      }
      seen.set(task.instance_id, line);
      tasks.push(task);
    }
  }
  return tasks;
}

/** A dict keyed by instance id: an object whose values are all task-like objects. */
function isKeyedDict(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const object = value as Record<string, unknown>;
  if ("instance_id" in object || "problem_statement" in object) return false;
  const entries = Object.values(object);
  return (
    entries.length > 0 &&
    entries.every((v) => v !== null && typeof v === "object" && "problem_statement" in (v as object))
  );
}
