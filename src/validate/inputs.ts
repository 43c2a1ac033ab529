import { InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { readRecords } from "../io/records.js";
import { readTrajectories } from "../trajectories/read.js";

/** One patch to validate. */
export interface ValidationItem {
  /** The report key: the trajectory id, or the instance id of a prediction. */
  id: string;
  taskId: string;
  /** Unified diff; "" = empty patch; null = unknown (patch_is_None). */
  patch: string | null;
  /** The model that made it (predictions' model_name_or_path, trajectories' provenance.model). */
  model: string;
}

export type InputFormat = "trajectories" | "predictions";

/** Trajectories when the first record carries sealign's trajectory schema version. */
export async function detectInputFormat(path: string): Promise<InputFormat> {
  for await (const { text } of readLines(path)) {
    if (/^\s*$/.test(text)) continue;
    return /"schema_version"\s*:\s*"sealign\.trajectory\//.test(text) ? "trajectories" : "predictions";
  }
  throw new InputError("empty input: no trajectories or predictions", { file: path });
}

/**
 * Read SWE-bench predictions: `{instance_id, model_name_or_path, model_patch}` as JSONL, a JSON
 * list, or a JSON dict keyed by instance id. One prediction per instance, as the harness wants.
 */
export async function readPredictions(path: string): Promise<ValidationItem[]> {
  const items: ValidationItem[] = [];
  const seen = new Set<string>();
  const add = (value: unknown, line: number, key?: string) => {
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new InputError("a prediction must be an object", { file: path, line });
    const record = value as Record<string, unknown>;
    const id = record.instance_id ?? key;
    if (typeof id !== "string" || id.length === 0)
      throw new InputError("missing instance_id", { file: path, line, field: "instance_id" });
    const patch = record.model_patch;
    if (patch !== null && patch !== undefined && typeof patch !== "string")
      throw new InputError("model_patch must be a string or null", {
        file: path,
        line,
        field: "model_patch",
      });
    if (seen.has(id))
      throw new InputError(`duplicate prediction for ${id}`, { file: path, line, field: "instance_id" });
    seen.add(id);
    const model = typeof record.model_name_or_path === "string" ? record.model_name_or_path : "unknown";
    items.push({ id, taskId: id, patch: patch ?? null, model });
  };
  for await (const record of readRecords(path)) {
    const value = record.value as Record<string, unknown> | null;
    const keyedDict =
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      !("instance_id" in value) &&
      !("model_patch" in value);
    if (keyedDict) {
      let i = 0;
      for (const [key, inner] of Object.entries(value)) add(inner, ++i, key);
    } else {
      add(value, record.line);
    }
  }
  return items;
}

/** Read the patches of a trajectory file (ids must be unique: reports are keyed by them). */
export async function readTrajectoryItems(path: string): Promise<ValidationItem[]> {
  const items: ValidationItem[] = [];
  const seen = new Set<string>();
  let index = 0;
  for await (const trajectory of readTrajectories(path)) {
    index++;
    if (seen.has(trajectory.id))
      throw new InputError(`duplicate trajectory id ${trajectory.id} (record ${index})`, {
        file: path,
        field: "id",
      });
    seen.add(trajectory.id);
    items.push({
      id: trajectory.id,
      taskId: trajectory.task_id,
      patch: trajectory.patch,
      model: trajectory.provenance.model,
    });
  }
  return items;
}
