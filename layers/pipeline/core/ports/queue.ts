import type { SourceObject } from '../result-schema.js';

export interface QueueMessage<T> {
  body: T;
  /** Handle for ack and retry of this delivery. */
  receipt: string;
  /** Deliveries so far, this one included. */
  receiveCount: number;
}

/**
 * At-least-once message queue with SQS semantics: a received message is invisible until acked or
 * retried (or its visibility timeout passes); after `maxReceives` deliveries it goes to the
 * dead-letter list instead of coming back.
 */
export interface Queue<T> {
  readonly maxReceives: number;
  send(body: T): Promise<void>;
  /** Up to `max` visible messages, waiting up to `waitMs` for the first one (or until `signal` aborts). */
  receive(max: number, waitMs: number, signal?: AbortSignal): Promise<QueueMessage<T>[]>;
  /** Deletes a handled message. */
  ack(message: QueueMessage<T>): Promise<void>;
  /** Makes a message visible again after `delayMs`, or dead-letters it once it has used its deliveries. */
  retry(message: QueueMessage<T>, delayMs: number): Promise<void>;
}

/** One object version for an ingest queue, with its size where known (what an S3 event carries). */
export interface QueuedObject {
  source: SourceObject;
  bytes?: number;
}

/** Takes object versions to classify in bulk: the ingest queue, or the GPU endpoint's requests. */
export interface IngestSink {
  sendAll(objects: readonly QueuedObject[]): Promise<void>;
}
