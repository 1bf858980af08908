import type { Queue, QueueMessage } from '../../core/index.js';

export interface MemoryQueueOptions {
  /** How long a received message stays invisible when its handler neither acks nor retries it. */
  visibilityTimeoutMs?: number;
  maxReceives?: number;
}

interface Entry<T> {
  id: number;
  body: T;
  receiveCount: number;
  visibleAt: number;
  /** Current delivery's receipt; a stale receipt (an earlier delivery) cannot ack or retry. */
  receipt?: string;
}

/** An in-process Queue: the local stand-in for SQS, with visibility timeouts, retries and a dead-letter list. */
export class MemoryQueue<T> implements Queue<T> {
  readonly maxReceives: number;
  private readonly visibilityTimeoutMs: number;
  private readonly entries = new Map<number, Entry<T>>();
  private readonly dead: T[] = [];
  private nextId = 0;
  private waiters = new Set<() => void>();
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(options: MemoryQueueOptions = {}) {
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 15 * 60_000;
    this.maxReceives = options.maxReceives ?? 3;
  }

  /** Messages that used all their deliveries, oldest first. */
  get deadLetters(): readonly T[] {
    return this.dead;
  }

  stats(): { visible: number; inFlight: number; deadLetters: number } {
    const now = Date.now();
    let visible = 0;
    for (const entry of this.entries.values()) if (entry.visibleAt <= now) visible++;
    return { visible, inFlight: this.entries.size - visible, deadLetters: this.dead.length };
  }

  async send(body: T): Promise<void> {
    const id = this.nextId++;
    this.entries.set(id, { id, body, receiveCount: 0, visibleAt: 0 });
    // Delivered on a later turn, as from a real queue: the sender finishes its step first.
    setImmediate(() => this.wake());
  }

  private take(max: number): QueueMessage<T>[] {
    const now = Date.now();
    const taken: QueueMessage<T>[] = [];
    for (const entry of this.entries.values()) {
      if (taken.length >= max) break;
      if (entry.visibleAt > now) continue;
      if (entry.receiveCount >= this.maxReceives) {
        // Like an SQS redrive policy: a message whose visibility lapsed after its last delivery is dead.
        this.deadLetter(entry);
        continue;
      }
      entry.receiveCount++;
      entry.visibleAt = now + this.visibilityTimeoutMs;
      entry.receipt = `${entry.id}:${entry.receiveCount}`;
      taken.push({ body: entry.body, receipt: entry.receipt, receiveCount: entry.receiveCount });
    }
    if (taken.length > 0) this.scheduleWake();
    return taken;
  }

  async receive(max: number, waitMs: number, signal?: AbortSignal): Promise<QueueMessage<T>[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const taken = this.take(max);
      if (taken.length > 0 || Date.now() >= deadline || signal?.aborted) return taken;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
        signal?.addEventListener('abort', done);
        this.waiters.add(done);
      });
    }
  }

  private entryOf(message: QueueMessage<T>): Entry<T> | undefined {
    const entry = this.entries.get(Number(message.receipt.split(':')[0]));
    return entry?.receipt === message.receipt ? entry : undefined;
  }

  async ack(message: QueueMessage<T>): Promise<void> {
    const entry = this.entryOf(message);
    if (entry) this.entries.delete(entry.id);
  }

  async retry(message: QueueMessage<T>, delayMs: number): Promise<void> {
    const entry = this.entryOf(message);
    if (!entry) return;
    if (entry.receiveCount >= this.maxReceives) {
      this.deadLetter(entry);
      return;
    }
    entry.visibleAt = Date.now() + delayMs;
    this.scheduleWake();
  }

  private deadLetter(entry: Entry<T>): void {
    this.entries.delete(entry.id);
    this.dead.push(entry.body);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Wakes receivers when the next invisible message becomes visible again. */
  private scheduleWake(): void {
    clearTimeout(this.wakeTimer);
    const next = Math.min(...[...this.entries.values()].map((entry) => entry.visibleAt));
    if (!Number.isFinite(next)) return;
    this.wakeTimer = setTimeout(() => this.wake(), Math.max(0, next - Date.now()));
    this.wakeTimer.unref();
  }
}
