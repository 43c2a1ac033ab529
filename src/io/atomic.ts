import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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
  await mkdir(dirname(path), { recursive: true });
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

  constructor(path: string) {
    this.path = path;
    this.temp = tempPathFor(path);
  }

  private async ensureOpen(): Promise<WriteStream> {
    if (this.stream) return this.stream;
    await mkdir(dirname(this.path), { recursive: true });
    this.stream = createWriteStream(this.temp, { highWaterMark: 1 << 20 });
    return this.stream;
  }

  /** Write text, waiting when the stream's buffer is full. */
  async write(text: string): Promise<void> {
    if (this.done) throw new Error(`AtomicWriter for ${this.path} already closed`);
    const stream = await this.ensureOpen();
    if (!stream.write(text)) await once(stream, "drain");
  }

  /** Flush, fsync and move the file into place. */
  async commit(): Promise<void> {
    const stream = await this.ensureOpen();
    this.done = true;
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await fsyncPath(this.temp);
    await rename(this.temp, this.path);
  }

  /** Drop everything written; the destination is not touched. */
  async abort(): Promise<void> {
    this.done = true;
    if (this.stream) {
      this.stream.destroy();
      await rm(this.temp, { force: true });
    }
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
