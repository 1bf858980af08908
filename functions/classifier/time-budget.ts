import { XclipError } from '../../layers/common/errors.js';

/** The function's time left is too short for another record: it goes back to the queue untouched. */
export class OutOfTimeError extends XclipError {
  constructor(leftMs: number, longestMs: number) {
    super(
      'OUT_OF_TIME',
      'not starting another record',
      `${Math.round(leftMs / 1000)} s left, and a record of this batch took ${Math.round(longestMs / 1000)} s`,
    );
  }
}

/**
 * Starts a record only while the time left covers the longest record of this invocation twice over: a record the
 * timeout cuts off would hold its claim until the lease ends, where one refused now is simply delivered again.
 */
export class TimeBudget {
  private longestMs = 0;

  constructor(private readonly remainingMs: () => number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    const left = this.remainingMs();
    if (left < 2 * this.longestMs) throw new OutOfTimeError(left, this.longestMs);
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.longestMs = Math.max(this.longestMs, performance.now() - started);
    }
  }
}
