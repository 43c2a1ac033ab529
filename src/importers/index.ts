import { InputError } from "../errors.js";
import { JsonlWriter } from "../io/atomic.js";
import { readJsonDocument, readRecords, recordFormatOf, type SourceRecord } from "../io/records.js";
import { SkipLog } from "../io/skip-log.js";
import type { Trajectory } from "../schema/trajectory.js";
import { llmCompletionsImporter } from "./llm-completions.js";
import { messageRowsImporter } from "./message-rows.js";
import { miniSweAgentImporter } from "./mini-swe-agent.js";
import { openhandsImporter } from "./openhands.js";
import { predictionsImporter } from "./predictions.js";
import { sealignImporter } from "./sealign.js";
import { sweAgentImporter } from "./swe-agent.js";
import { IMPORT_FORMATS, type Importer, type ImportFormat } from "./types.js";

export { IMPORT_FORMATS, type Importer, type ImportFormat } from "./types.js";

/** Importers in detection order: the most specific shapes first. */
export const IMPORTERS: readonly Importer[] = [
  sealignImporter,
  openhandsImporter,
  sweAgentImporter,
  miniSweAgentImporter,
  predictionsImporter,
  llmCompletionsImporter,
  messageRowsImporter,
];

export function importerFor(format: ImportFormat): Importer {
  const importer = IMPORTERS.find((i) => i.format === format);
  if (!importer) throw new InputError(`unknown format "${format}" (known: ${IMPORT_FORMATS.join(", ")})`);
  return importer;
}

/** The importer whose shape a record has, or null. */
export function detectImporter(value: unknown): Importer | null {
  return IMPORTERS.find((importer) => importer.detect(value)) ?? null;
}

export interface ImportOptions {
  /** Force a format instead of detecting it. */
  from?: ImportFormat;
  /** Go on past bad records, counting them in `skipped`. */
  skipInvalid?: boolean;
}

export interface ImportFileResult {
  file: string;
  format: ImportFormat | null;
  trajectories: number;
  skipped: SkipLog;
  /** Distinct import notes with how many trajectories carry each. */
  notes: Map<string, number>;
}

/**
 * Stream the trajectories of one foreign file. JSON documents that are one trajectory as a
 * whole (SWE-agent `.traj`, mini-swe-agent `.traj.json`, a predictions dict) are converted
 * whole; JSON lists, JSONL and Parquet record by record.
 */
export async function* importFile(
  file: string,
  options: ImportOptions = {},
  result: ImportFileResult = newResult(file),
): AsyncGenerator<Trajectory> {
  let importer: Importer | null = options.from ? importerFor(options.from) : null;
  result.format = importer?.format ?? null;
  for await (const item of sourceRecords(file, options, result.skipped)) {
    try {
      if (!importer) {
        importer = detectImporter(item.value);
        if (!importer) {
          throw new InputError(
            `unknown trajectory format: the record matches none of ${IMPORT_FORMATS.join(", ")}; name one with --from`,
            { file, line: item.line },
          );
        }
        result.format = importer.format;
      }
      // Later records go straight to the detected importer, whose errors name the bad field.
      for (const trajectory of importer.convert(item, {
        file,
        line: item.line,
        ...(item.key ? { key: item.key } : {}),
      })) {
        result.trajectories++;
        for (const note of trajectory.import_notes) result.notes.set(note, (result.notes.get(note) ?? 0) + 1);
        yield trajectory;
      }
    } catch (error) {
      if (!(options.skipInvalid && error instanceof InputError)) throw error;
      result.skipped.add(file, item.line, error);
    }
  }
}

export function newResult(file: string): ImportFileResult {
  return { file, format: null, trajectories: 0, skipped: new SkipLog(), notes: new Map() };
}

/** Records of a file; malformed JSONL lines are thrown, or logged and passed over. */
async function* sourceRecords(
  file: string,
  options: ImportOptions,
  skipped: SkipLog,
): AsyncGenerator<SourceRecord> {
  // A JSON document may be one whole record (an OpenHands event list) or a list of them: the
  // importers decide. JSONL and Parquet are read as they are, one record a line or row.
  if (recordFormatOf(file) === "json") {
    const document = await readJsonDocument(file);
    const forced = options.from ? importerFor(options.from) : null;
    const wholeDocument = forced ? forced.detect(document) : detectImporter(document) !== null;
    if (wholeDocument || !Array.isArray(document)) {
      yield { value: document, line: 1 };
    } else {
      for (let i = 0; i < document.length; i++) yield { value: document[i], line: i + 1 };
    }
    return;
  }
  yield* readRecords(file, { skipInvalid: options.skipInvalid, skipped });
}

/** Import several files into one JSONL, atomically: on any error nothing is written. */
export async function importFiles(
  files: string[],
  output: string,
  options: ImportOptions,
): Promise<ImportFileResult[]> {
  const writer = new JsonlWriter(output);
  const results: ImportFileResult[] = [];
  try {
    for (const file of files) {
      const result = newResult(file);
      results.push(result);
      for await (const trajectory of importFile(file, options, result)) await writer.write(trajectory);
    }
    await writer.commit();
    return results;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
