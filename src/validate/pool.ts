/**
 * Run `work` over `items` with at most `workers` at a time, in order of start. Each call's
 * failure is the caller's to catch: a rejection stops the pool and is rethrown.
 */
export async function runPool<T>(
  items: readonly T[],
  workers: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}
