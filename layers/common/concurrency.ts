/**
 * At most `limit` tasks running at once, across every caller that shares the instance; the others wait in
 * arrival order and a finishing task hands its slot straight to the next.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * `fn` over `items` with at most `limit` calls in flight, results in the items' order. A new call starts as soon as
 * one ends, so one slow item holds up only its own slot. The first rejection rejects the whole and starts no more.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const slots = new ConcurrencyLimit(limit);
  let failed = false;
  return Promise.all(items.map((item) => slots.run(async () => {
    if (failed) throw new Error('not started: an earlier item failed');
    try {
      return await fn(item);
    } catch (error) {
      failed = true;
      throw error;
    }
  })));
}
