import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { InputError } from "../errors.js";

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
  const decompress = path.endsWith(".gz")
    ? createGunzip({ chunkSize: 1 << 18 })
    : path.endsWith(".zst") || path.endsWith(".zstd")
      ? createZstdDecompress()
      : null;
  if (!decompress) return raw;
  // pipeline, not pipe: a read error (ENOENT, EISDIR) must reach the stream the caller reads,
  // and a decompression error must close the file.
  return pipeline(raw, decompress, () => {});
}

/**
 * A read or decompression error of `path` as an InputError naming the file: corrupt or cut
 * gzip/zstd data, a missing file, a folder. Other errors pass through unchanged.
 */
export function readErrorOf(path: string, error: unknown): unknown {
  if (error instanceof InputError) return error;
  const e = error as { code?: string; message?: string; syscall?: string };
  const message = e?.message ?? String(error);
  if (typeof e?.code === "string" && (e.code.startsWith("Z_") || e.code === "ERR_ZLIB_INITIALIZATION_FAILED"))
    return new InputError(`corrupt or cut gzip data (${message})`, { file: path });
  if (/\.(zst|zstd)$/.test(path) && !e?.syscall)
    return new InputError(`corrupt or cut zstd data (${message})`, { file: path });
  const reasons: Record<string, string> = {
    ENOENT: "no such file",
    EISDIR: "is a folder, not a file",
    EACCES: "cannot read: permission denied",
    ENOTDIR: "a part of the path is a file, not a folder",
  };
  if (typeof e?.code === "string" && reasons[e.code])
    // Keeps the errno code: callers that treat a missing file as empty (a resume) test it.
    return Object.assign(new InputError(reasons[e.code] as string, { file: path }), { code: e.code });
  return error;
}

/**
 * Stream the lines of a file of any size (plain, .gz, .zst) without loading it whole.
 * Splits on "\n" over raw bytes, so a multi-byte character is never cut.
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  let rest: Buffer | null = null;
  let lineNumber = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const chunks = openDecompressed(path)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw readErrorOf(path, error);
      }
      if (next.done) break;
      const chunk = next.value as Buffer;
      // A line longer than a chunk: collect its pieces and join them once, when its newline
      // comes (joining at every chunk copied a 50 MB line about 50 times).
      if (rest && chunk.indexOf(10) === -1) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        continue;
      }
      let buffer: Buffer = rest ? Buffer.concat([rest, ...pending, chunk]) : chunk;
      pending = [];
      pendingBytes = 0;
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
  } finally {
    // A consumer that stops early (or an error) must still close the file.
    await chunks.return?.();
  }
  if (pendingBytes > 0 && rest) rest = Buffer.concat([rest, ...pending]);
  if (rest && rest.length > 0) {
    lineNumber++;
    yield { text: rest.toString("utf8"), line: lineNumber, terminated: false };
  }
}
