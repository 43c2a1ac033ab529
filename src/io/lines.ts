import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";

/** A complete line of a text file with its 1-based line number. */
export interface Line {
  text: string;
  line: number;
  /** False only for a last line with no newline after it. */
  terminated: boolean;
}

/** zstd decompression as a Node stream (Node 20's zlib has none), built on fzstd. */
function createZstdDecompress(): Transform {
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  const decoder = new Decompress((data) => {
    transform.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  return transform;
}

/** A readable byte stream of a file, decompressed by its extension (.gz, .zst). */
export function openDecompressed(path: string, highWaterMark = 1 << 20): Readable {
  const raw = createReadStream(path, { highWaterMark });
  if (path.endsWith(".gz")) return raw.pipe(createGunzip({ chunkSize: 1 << 18 }));
  if (path.endsWith(".zst") || path.endsWith(".zstd")) return raw.pipe(createZstdDecompress());
  return raw;
}

/**
 * Stream the lines of a file of any size (plain, .gz, .zst) without loading it whole.
 * Splits on "\n" over raw bytes, so a multi-byte character is never cut.
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  let rest: Buffer | null = null;
  let lineNumber = 0;
  for await (const chunk of openDecompressed(path)) {
    let buffer: Buffer = rest ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    let newline = buffer.indexOf(10, start);
    while (newline !== -1) {
      lineNumber++;
      const end = newline > start && buffer[newline - 1] === 13 ? newline - 1 : newline;
      yield { text: buffer.toString("utf8", start, end), line: lineNumber, terminated: true };
      start = newline + 1;
      newline = buffer.indexOf(10, start);
    }
    rest = start < buffer.length ? buffer.subarray(start) : null;
    buffer = Buffer.alloc(0);
  }
  if (rest && rest.length > 0) {
    lineNumber++;
    yield { text: rest.toString("utf8"), line: lineNumber, terminated: false };
  }
}
