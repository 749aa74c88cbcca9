/**
 * Runs `work` on each item with at most `limit` under way at once, taking
 * the items in order as lanes free up (an async source is read only as fast
 * as the work goes, so memory holds `limit` items, not the source). A
 * failure thrown by `work` stops the taking of more, waits for those under
 * way, and is thrown; `work` returns the failures it reports per item.
 */
export async function forEachBounded<T>(items: AsyncIterable<T> | Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        failure ??= { error };
        return;
      }
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  if (failure) {
    await iterator.return?.();
    throw failure.error;
  }
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return { next: async () => iterator.next() };
}
