/** Interleave several async line sources as lines arrive (logs of every replica while following). */
export async function* mergeLines(sources: Array<AsyncIterable<string>>): AsyncIterable<string> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<string> }>>();
  const pull = (index: number) => pending.set(index, iterators[index].next().then((result) => ({ index, result })));
  iterators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
      } else {
        pull(index);
        yield result.value;
      }
    }
  } finally {
    // Ends the sources that are still open (e.g. when the consumer stops early).
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
