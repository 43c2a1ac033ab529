import { appendFile, open, stat, truncate } from "node:fs/promises";
import { ensureOutputFile } from "./paths.js";

/**
 * Append-only JSONL for resumable runs. Each record is one `appendFile` of one complete line,
 * followed by fsync, so a kill leaves at most one partial last line; `open()` cuts such a
 * partial line off before appending again, and never touches complete lines.
 */
export class JsonlAppender {
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** Open for appending, repairing a partial last line left by a crash. Returns bytes cut. */
  static async open(path: string): Promise<{ appender: JsonlAppender; repairedBytes: number }> {
    await ensureOutputFile(path);
    const repairedBytes = await cutPartialTail(path);
    return { appender: new JsonlAppender(path), repairedBytes };
  }

  async append(value: unknown): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(value)}\n`);
    const handle = await open(this.path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function cutPartialTail(path: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return 0;
  }
  if (size === 0) return 0;
  const handle = await open(path, "r");
  try {
    // Scan back from the end for the last newline, a block at a time.
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const last = block.subarray(0, bytesRead).lastIndexOf(10);
      if (last !== -1) {
        const keep = start + last + 1;
        if (keep === size) return 0;
        await truncate(path, keep);
        return size - keep;
      }
      end = start;
    }
    await truncate(path, 0);
    return size;
  } finally {
    await handle.close();
  }
}
