import { InputError } from "../errors.js";
import type { SourceRecord } from "../io/records.js";
import type { Trajectory } from "../schema/trajectory.js";
import { buildTrajectory, contentId } from "../trajectories/build.js";
import { asObject, type ImportContext, type Importer } from "./types.js";

/**
 * SWE-bench predictions `{instance_id, model_name_or_path, model_patch}` (JSONL, a JSON list,
 * or a dict keyed by instance id). They carry a patch only: the trajectory has no messages and
 * is marked `metadata.patch_only`, ready for `sealign validate`.
 */
export const predictionsImporter: Importer = {
  format: "swebench-predictions",
  detect(value) {
    const row = asObject(value);
    if (!row) return false;
    if ("model_patch" in row && !("messages" in row) && !("history" in row)) return true;
    // A dict keyed by instance id.
    const values = Object.values(row);
    return (
      values.length > 0 && values.every((v) => asObject(v) !== null && "model_patch" in (asObject(v) ?? {}))
    );
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    const row = asObject(record.value);
    if (!row) throw new InputError("prediction is not an object", { file: context.file, line: context.line });
    if (!("model_patch" in row)) {
      return Object.entries(row).map(([key, value], i) =>
        convertPrediction({ instance_id: key, ...(asObject(value) ?? {}) }, { ...context, line: i + 1, key }),
      );
    }
    return [convertPrediction(row, context)];
  },
};

function convertPrediction(row: Record<string, unknown>, context: ImportContext): Trajectory {
  const where = { file: context.file, line: context.line };
  if (typeof row.instance_id !== "string" || !row.instance_id) {
    throw new InputError("missing instance_id", { ...where, field: "instance_id" });
  }
  const patch = row.model_patch;
  if (patch !== null && typeof patch !== "string")
    throw new InputError("model_patch is not a string", { ...where, field: "model_patch" });
  const model = typeof row.model_name_or_path === "string" ? row.model_name_or_path : "unknown";
  return buildTrajectory({
    id: contentId(row.instance_id, "prediction", model, patch ?? ""),
    task_id: row.instance_id,
    provenance: {
      scaffold: "unknown",
      model,
      source: { format: "swebench-predictions", file: context.file, line: context.line },
    },
    tools: [],
    messages: [],
    patch: patch ?? null,
    outcome: { resolved: null, exit_reason: "unknown" },
    usage: {},
    import_notes: ["prediction only: no conversation, tools or exit reason in the source"],
    metadata: { patch_only: true },
  });
}
