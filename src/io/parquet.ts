import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../errors.js";

/**
 * Stream the rows of a Parquet file (e.g. a Hugging Face dataset export) as plain objects,
 * one row group at a time, so memory is bounded by the largest row group.
 */
export async function* readParquetRows(
  path: string,
): AsyncGenerator<{ value: Record<string, unknown>; row: number }> {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new InputError(`not a readable Parquet file: ${(error as Error).message}`, { file: path });
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors, utf8: true });
    for (let i = 0; i < rows.length; i++) {
      yield { value: normaliseParquetValue(rows[i]) as Record<string, unknown>, row: rowStart + i + 1 };
    }
    rowStart = rowEnd;
  }
}

/** BigInt (Parquet INT64) becomes a number so the value is JSON-serialisable. */
function normaliseParquetValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(normaliseParquetValue);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = normaliseParquetValue(inner);
    return out;
  }
  return value;
}
