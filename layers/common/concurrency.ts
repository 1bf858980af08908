/**
 * At most `limit` tasks running at once, across every caller that shares the instance. Waiting tasks are kept per
 * group (a request, say) and a freed slot goes to the groups in turn, first come first served within each: a
 * group that queued a thousand tasks delays a later group's by at most one task per turn, not a thousand.
 */
export class ConcurrencyLimit {
  private running = 0;
  /** Waiting tasks by group, groups in the order their turn comes. */
  private readonly waiting = new Map<unknown, Array<() => void>>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Runs `task` once a slot is free; `group` shares turns fairly with the other groups waiting. */
  async run<T>(task: () => Promise<T>, group: unknown = undefined): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.enqueue(group, resolve));
    try {
      return await task();
    } finally {
      this.handOver();
    }
  }

  private enqueue(group: unknown, start: () => void): void {
    const queue = this.waiting.get(group);
    if (queue) queue.push(start);
    else this.waiting.set(group, [start]);
  }

  /** The freed slot goes to the first task of the group whose turn it is; that group then goes to the back. */
  private handOver(): void {
    const next = this.waiting.entries().next();
    if (next.done) {
      this.running--;
      return;
    }
    const [group, queue] = next.value;
    const start = queue.shift()!;
    this.waiting.delete(group);
    if (queue.length > 0) this.waiting.set(group, queue);
    start();
  }
}

/**
 * `fn` over `items` with at most `limit` calls in flight, results in the items' order. A new call starts as soon as
 * one ends, so one slow item holds up only its own slot. The first rejection rejects the whole and starts no more.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const slots = new ConcurrencyLimit(limit);
  let failed = false;
  return Promise.all(
    items.map((item) =>
      slots.run(async () => {
        if (failed) throw new Error('not started: an earlier item failed');
        try {
          return await fn(item);
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
}
