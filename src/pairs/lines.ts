import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * Synchronous line access to a plain (uncompressed) file by byte offset, for the segment
 * workers: each reads its own byte range with positional reads, no stream machinery.
 */

/** A line of a file: where it starts, its length in bytes (without the newline), its text. */
export interface OffsetLine {
  offset: number;
  length: number;
  text: string;
}

const CHUNK = 4 << 20;

/** An open file for positional reads. */
export class PlainFile {
  readonly path: string;
  readonly fd: number;
  readonly size: number;

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Bytes [offset, offset + length). */
  read(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buffer, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === length ? buffer : buffer.subarray(0, done);
  }

  /** The text of bytes [offset, offset + length), a CR before the newline dropped. */
  text(offset: number, length: number): string {
    const bytes = this.read(offset, length);
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    return bytes.toString("utf8", 0, end);
  }

  /**
   * Lines that start at or after `start` (a line starts at 0 or after a newline; a line that
   * began before `start` is skipped), up to the end of the file. The caller stops iterating.
   */
  *linesFrom(start: number): Generator<OffsetLine> {
    let position = start;
    if (start > 0 && this.read(start - 1, 1)[0] !== 10) {
      // Inside a line: skip to after its newline.
      const next = this.findNewline(start);
      if (next === -1) return;
      position = next + 1;
    }
    // `buffer` holds bytes [bufferStart, bufferStart + filled) of the file; the unfinished line
    // at its end is moved to the front of the next buffer (never the whole chunk).
    let buffer = Buffer.allocUnsafe(CHUNK);
    let bufferStart = position;
    let filled = 0;
    let scan = 0;
    for (;;) {
      const newline = buffer.subarray(0, filled).indexOf(10, scan);
      if (newline === -1) {
        const readAt = bufferStart + filled;
        if (readAt >= this.size) {
          if (filled > 0) yield this.lineOf(buffer, bufferStart, 0, filled);
          return;
        }
        if (filled === buffer.length) {
          // One line longer than the buffer: grow it.
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        }
        scan = filled;
        const n = this.readInto(buffer, filled, readAt);
        if (n === 0) {
          // The file ended early (shrunk while read): what is there is the last line.
          if (filled > 0) yield this.lineOf(buffer, bufferStart, 0, filled);
          return;
        }
        filled += n;
        continue;
      }
      let lineStart = 0;
      let next = newline;
      while (next !== -1) {
        yield this.lineOf(buffer, bufferStart, lineStart, next);
        lineStart = next + 1;
        next = lineStart < filled ? buffer.subarray(0, filled).indexOf(10, lineStart) : -1;
      }
      const rest = filled - lineStart;
      const fresh = Buffer.allocUnsafe(Math.max(CHUNK, rest * 2));
      buffer.copy(fresh, 0, lineStart, filled);
      buffer = fresh;
      bufferStart += lineStart;
      filled = rest;
      scan = rest;
    }
  }

  /** Read up to the buffer's end from file position `at` into `buffer` at `offset`. */
  private readInto(buffer: Buffer, offset: number, at: number): number {
    let done = 0;
    while (offset + done < buffer.length) {
      const n = readSync(this.fd, buffer, offset + done, buffer.length - offset - done, at + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  private lineOf(buffer: Buffer, bufferStart: number, from: number, to: number): OffsetLine {
    const end = to > from && buffer[to - 1] === 13 ? to - 1 : to;
    return { offset: bufferStart + from, length: to - from, text: buffer.toString("utf8", from, end) };
  }

  /** The offset of the first newline at or after `from`, or -1. */
  findNewline(from: number): number {
    let position = from;
    while (position < this.size) {
      const chunk = this.read(position, Math.min(CHUNK, this.size - position));
      const i = chunk.indexOf(10);
      if (i !== -1) return position + i;
      position += chunk.length;
    }
    return -1;
  }

  /** The start of the line that ends just before `end` (end = offset after its newline). */
  lineStartBefore(end: number): number {
    let position = end - 1; // the newline of that line
    while (position > 0) {
      const from = Math.max(0, position - CHUNK);
      const chunk = this.read(from, position - from);
      const i = chunk.lastIndexOf(10);
      if (i !== -1) return from + i + 1;
      position = from;
    }
    return 0;
  }
}

/** 1-based line numbers of byte offsets (one pass over the file, only when reporting). */
export function lineNumbersAt(path: string, offsets: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  if (offsets.length === 0) return out;
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const file = new PlainFile(path);
  try {
    let line = 1;
    let position = 0;
    let k = 0;
    while (k < sorted.length && position < file.size) {
      const chunk = file.read(position, Math.min(CHUNK, file.size - position));
      let from = 0;
      while (k < sorted.length) {
        const target = (sorted[k] as number) - position;
        if (target >= chunk.length) break;
        for (let i = chunk.indexOf(10, from); i !== -1 && i < target; i = chunk.indexOf(10, from)) {
          line++;
          from = i + 1;
        }
        out.set(sorted[k] as number, line);
        k++;
      }
      for (let i = chunk.indexOf(10, from); i !== -1; i = chunk.indexOf(10, i + 1)) line++;
      position += chunk.length;
    }
    for (; k < sorted.length; k++) out.set(sorted[k] as number, line);
  } finally {
    file.close();
  }
  return out;
}
