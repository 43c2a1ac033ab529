import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { InputError } from "../errors.js";
import { parseJsonLine } from "../io/jsonl.js";
import { readLines } from "../io/lines.js";

/** Where one JSONL record lives, so it can be read again without holding it in memory. */
export interface RecordLocation {
  /** 1-based line number. */
  line: number;
  /** Byte offset and length of the line in a plain file; -1 for a compressed file (no seeking). */
  offset: number;
  length: number;
}

/** A JSONL line (not yet parsed: see `parseJsonLine`) with its location. */
export interface LocatedLine extends RecordLocation {
  text: string;
  /** False only for a last line with no newline after it. */
  terminated: boolean;
}

/** True for files that must be decompressed to be read (no byte offsets into them). */
export function isCompressed(path: string): boolean {
  return /\.(gz|zst|zstd)$/.test(path);
}

/**
 * Stream the lines of a JSONL file with their byte offsets (plain files) so that a record can
 * later be fetched alone with `readRecordAt`. Blank lines are skipped. Lines come unparsed so
 * that the caller decides what a malformed one means (stop, or skip and list it). Compressed
 * files are streamed through `readLines` and carry offset -1: fetching from them means
 * decompressing up to the line again.
 */
export async function* indexJsonl(path: string): AsyncGenerator<LocatedLine> {
  if (isCompressed(path)) {
    for await (const { text, line, terminated } of readLines(path)) {
      if (/^\s*$/.test(text)) continue;
      yield { text, terminated, line, offset: -1, length: 0 };
    }
    return;
  }
  let rest: Buffer | null = null;
  let restOffset = 0;
  let position = 0;
  let line = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buffer: Buffer = rest ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    const base = rest ? restOffset : position;
    position += (chunk as Buffer).length;
    let start = 0;
    let newline = buffer.indexOf(10, start);
    while (newline !== -1) {
      line++;
      const end = newline > start && buffer[newline - 1] === 13 ? newline - 1 : newline;
      const text = buffer.toString("utf8", start, end);
      if (!/^\s*$/.test(text)) {
        yield { text, terminated: true, line, offset: base + start, length: end - start };
      }
      start = newline + 1;
      newline = buffer.indexOf(10, start);
    }
    rest = start < buffer.length ? buffer.subarray(start) : null;
    restOffset = base + start;
  }
  if (rest && rest.length > 0) {
    line++;
    const text = rest.toString("utf8");
    if (!/^\s*$/.test(text)) {
      yield { text, terminated: false, line, offset: restOffset, length: rest.length };
    }
  }
}

/** Read back one record located by `indexJsonl`. */
export async function readRecordAt(path: string, where: RecordLocation): Promise<unknown> {
  if (where.offset < 0) {
    for await (const { text, line, terminated } of readLines(path)) {
      if (line === where.line) return parseJsonLine(path, text, line, terminated);
    }
    throw new InputError(`line ${where.line} is gone (the file changed since it was indexed)`, {
      file: path,
    });
  }
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(where.length);
    const { bytesRead } = await handle.read(buffer, 0, where.length, where.offset);
    if (bytesRead !== where.length) {
      throw new InputError("file is shorter than when it was indexed (changed on disk?)", {
        file: path,
        line: where.line,
      });
    }
    return parseJsonLine(path, buffer.toString("utf8"), where.line, true);
  } finally {
    await handle.close();
  }
}
