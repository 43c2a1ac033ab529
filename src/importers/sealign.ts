import type { SourceRecord } from "../io/records.js";
import { TRAJECTORY_SCHEMA_VERSION, type Trajectory } from "../schema/trajectory.js";
import { parseTrajectory } from "../schema/validate.js";
import { asObject, type ImportContext, type Importer } from "./types.js";

/** sealign's own trajectories: validated and passed through (e.g. to merge or recompress files). */
export const sealignImporter: Importer = {
  format: "sealign",
  detect(value) {
    return asObject(value)?.schema_version === TRAJECTORY_SCHEMA_VERSION;
  },
  convert(record: SourceRecord, context: ImportContext): Trajectory[] {
    return [parseTrajectory(record.value, { file: context.file, line: context.line })];
  },
};
