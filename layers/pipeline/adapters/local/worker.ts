import { describeError } from '../../../common/errors.js';
import type { Queue, QueueMessage } from '../../core/index.js';

export interface WorkerOptions<T> {
  queue: Queue<T>;
  /** Handles one delivery; a throw makes the queue deliver it again later (or dead-letter it). */
  handle: (body: T, message: QueueMessage<T>) => Promise<void>;
  /** First retry delay; doubled on each further delivery. */
  retryDelayMs?: number;
  /** How long one receive waits for a message before checking for shutdown. */
  pollMs?: number;
  /**
   * Deliveries handled at once (default 2): while the model runs on one video the next one decodes, in its decoder
   * process.
   */
  concurrency?: number;
  /** Names a message in log lines. */
  describe?: (body: T) => string;
  log?: (line: string) => void;
}

/** Takes messages off a queue, `concurrency` at a time, until stopped; stop() lets the messages in hand finish. */
export class Worker<T> {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: WorkerOptions<T>) {}

  start(): void {
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    const { queue, pollMs = 1000, concurrency = 2 } = this.options;
    const inHand = new Set<Promise<void>>();
    while (!this.abort.signal.aborted) {
      if (inHand.size >= concurrency) {
        await Promise.race(inHand);
        continue;
      }
      const [message] = await queue.receive(1, pollMs, this.abort.signal);
      if (!message) continue;
      const delivery: Promise<void> = this.deliver(message).finally(() => inHand.delete(delivery));
      inHand.add(delivery);
    }
    await Promise.all(inHand);
  }

  private async deliver(message: QueueMessage<T>): Promise<void> {
    const { queue, handle, retryDelayMs = 1000, describe, log } = this.options;
    try {
      await handle(message.body, message);
      await queue.ack(message);
    } catch (error) {
      const last = message.receiveCount >= queue.maxReceives;
      log?.(
        `${describe?.(message.body) ?? 'message'}: ${last ? 'gave up' : 'will retry'} after delivery ${message.receiveCount}/${queue.maxReceives}: ${describeError(error)}`,
      );
      await queue.retry(message, retryDelayMs * 2 ** (message.receiveCount - 1));
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
