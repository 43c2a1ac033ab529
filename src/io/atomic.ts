import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { open, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ensureOutputFile } from "./paths.js";

function tempPathFor(path: string): string {
  const random = Math.random().toString(36).slice(2, 10);
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${random}`);
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write a whole file atomically: temp file in the same folder, fsync, rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await ensureOutputFile(path);
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, data);
    await fsyncPath(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * A streaming writer whose output appears at `path` only on `commit()`: a crash or an
 * `abort()` leaves the previous file (if any) untouched and no truncated file behind.
 */
export class AtomicWriter {
  readonly path: string;
  private readonly temp: string;
  private stream: WriteStream | null = null;
  private done = false;
  /** The stream's first error (EROFS, ENOSPC, ...), kept so it is thrown, never left unhandled. */
  private failure: Error | null = null;

  constructor(path: string) {
    this.path = path;
    this.temp = tempPathFor(path);
  }

  private async ensureOpen(): Promise<WriteStream> {
    if (this.stream) return this.stream;
    await ensureOutputFile(this.path);
    const stream = createWriteStream(this.temp, { highWaterMark: 1 << 20 });
    stream.on("error", (error) => {
      this.failure ??= error;
    });
    this.stream = stream;
    return stream;
  }

  /** Write text, waiting when the stream's buffer is full. */
  async write(text: string): Promise<void> {
    if (this.done) throw new Error(`AtomicWriter for ${this.path} already closed`);
    const stream = await this.ensureOpen();
    if (this.failure) throw this.failure;
    if (!stream.write(text)) await once(stream, "drain");
  }

  /** Flush, fsync and move the file into place. */
  async commit(): Promise<void> {
    const stream = await this.ensureOpen();
    this.done = true;
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    if (this.failure) throw this.failure;
    await fsyncPath(this.temp);
    await rename(this.temp, this.path);
  }

  /**
   * Drop everything written; the destination is not touched. Waits for the stream to close
   * before removing the temp file: the file is created asynchronously, so removing it any
   * earlier could leave it behind.
   */
  async abort(): Promise<void> {
    this.done = true;
    const stream = this.stream;
    if (!stream) return;
    if (!stream.closed) {
      const closed = new Promise<void>((resolve) => stream.once("close", () => resolve()));
      stream.destroy();
      await closed;
    }
    await rm(this.temp, { force: true });
  }
}

/** Writes JSON values one per line, atomically (see AtomicWriter). */
export class JsonlWriter {
  private readonly writer: AtomicWriter;
  count = 0;

  constructor(path: string) {
    this.writer = new AtomicWriter(path);
  }

  get path(): string {
    return this.writer.path;
  }

  async write(value: unknown): Promise<void> {
    this.count++;
    await this.writer.write(`${JSON.stringify(value)}\n`);
  }

  commit(): Promise<void> {
    return this.writer.commit();
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/** Write all values of an iterable as JSONL atomically; on any error nothing is left behind. */
export async function writeJsonlAtomic(
  path: string,
  values: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<number> {
  const writer = new JsonlWriter(path);
  try {
    for await (const value of values) await writer.write(value);
    await writer.commit();
    return writer.count;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
