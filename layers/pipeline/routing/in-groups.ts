/** `fn` over `items`, `size` at a time (bounded concurrency), results in order. */
export async function mapInGroups<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...await Promise.all(items.slice(start, start + size).map(fn)));
  return results;
}
