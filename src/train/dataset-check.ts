import { InputError } from "../errors.js";
import { checkInputFile } from "../io/paths.js";
import { readRecords } from "../io/records.js";

/**
 * A training stage's dataset checked before Python starts: TRL would otherwise fail minutes
 * later with a traceback (and sealign's advice "rerun to resume" would not help). Accepts what
 * TRL's trainers read from JSONL/JSON/Parquet: SFT rows with `messages` (conversational, as
 * `sealign export sft --format trl` writes), `text`, or `prompt` + `completion`; DPO rows with
 * `prompt`, `chosen` and `rejected`. Names the file, the row and the field that is wrong, and
 * what the file is when it is one of sealign's other records.
 */
export async function checkTrainDataset(path: string, stage: "sft" | "dpo"): Promise<number> {
  const where = `${stage}.dataset`;
  await checkInputFile(path, where);
  const exportCommand = `sealign export ${stage} ... --format trl`;
  let rows = 0;
  for await (const { value, line } of readRecords(path)) {
    rows++;
    const problem = rowProblem(value, stage);
    if (problem)
      throw new InputError(
        `not a TRL ${stage.toUpperCase()} dataset: ${problem} (write one with ${exportCommand})`,
        {
          file: path,
          line,
          field: where,
        },
      );
  }
  if (rows === 0)
    throw new InputError(`the ${stage.toUpperCase()} dataset is empty (no rows to train on)`, {
      file: path,
      field: where,
    });
  return rows;
}

function rowProblem(value: unknown, stage: "sft" | "dpo"): string | null {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return "a row is not a JSON object";
  const row = value as Record<string, unknown>;
  const version = typeof row.schema_version === "string" ? row.schema_version : "";
  if (version.startsWith("sealign.trajectory/")) return "this is a sealign trajectory file, not an export";
  if (version.startsWith("sealign.pair/")) return "this is a sealign pairs file, not an export";
  if (Array.isArray(row.conversations)) return "this is a LLaMA-Factory (sharegpt) export";
  if (stage === "sft") {
    if (row.messages !== undefined) return messagesProblem(row.messages, "messages");
    if (typeof row.text === "string") return null;
    if (row.prompt !== undefined && row.completion !== undefined) return null;
    if (row.chosen !== undefined && row.rejected !== undefined) return "this is a DPO (preference) dataset";
    return "a row has none of messages, text, or prompt + completion";
  }
  for (const key of ["prompt", "chosen", "rejected"]) {
    const field = row[key];
    if (field === undefined)
      return row.messages !== undefined ? "this is an SFT dataset" : `a row has no ${key}`;
    if (typeof field !== "string") {
      const problem = messagesProblem(field, key);
      if (problem) return problem;
    }
  }
  return null;
}

function messagesProblem(messages: unknown, key: string): string | null {
  if (!Array.isArray(messages)) return `${key} is not a list of messages`;
  for (const [i, message] of messages.entries()) {
    if (
      message === null ||
      typeof message !== "object" ||
      typeof (message as { role?: unknown }).role !== "string"
    )
      return `${key}[${i}] has no role`;
  }
  return null;
}
