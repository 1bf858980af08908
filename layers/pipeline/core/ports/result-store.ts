import type { RecordError, SourceObject, VideoRecord, VideoResult, VideoStatus } from '../result-schema.js';

/**
 * What `enqueue` found: `queued` a new object, a newer version, or this version again after a retryable failure or
 * an abandoned claim (the record is now QUEUED), `pending` this version already waiting or held by a live claim,
 * `finished` this version already DONE or finally FAILED, `stale` an older version than the one recorded.
 */
export type EnqueueOutcome = 'queued' | 'pending' | 'finished' | 'stale';

export interface ListQuery {
  status?: VideoStatus;
  /** Videos with this label among their top labels, best score first. */
  label?: string;
  /** ISO time: only records updated at or after it. */
  since?: string;
  limit: number;
  /** Opaque, from the previous page of the same query. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /**
   * Absent on the last page. A page may hold fewer than `limit` items and still have one (the DynamoDB store
   * bounds how many index items one page reads).
   */
  nextCursor?: string;
}

/**
 * Records per video, keyed by video id. Every write is a conditional update of one record on its
 * object version, so at-least-once delivery cannot duplicate or regress a result, and a store
 * without transactions (DynamoDB) can implement it. Status moves QUEUED -> PROCESSING -> DONE or
 * FAILED; a newer object version starts again at QUEUED, and so does the same version after a retryable failure, an
 * abandoned claim (claims.ts) or an explicit retry.
 */
export interface ResultStore {
  get(id: string): Promise<VideoRecord | undefined>;
  /**
   * Records `source` as QUEUED unless a newer version is recorded, or this version is already pending or finished
   * (isRequeueable says when the same version is queued again).
   */
  enqueue(id: string, source: SourceObject, at: string): Promise<EnqueueOutcome>;
  /**
   * QUEUED, or PROCESSING with an abandoned claim, -> PROCESSING for this version, held until `leaseUntil`;
   * undefined when not claimable (another delivery holds it, or the record moved on).
   */
  claim(id: string, version: string, at: string, leaseUntil: string): Promise<VideoRecord | undefined>;
  /** PROCESSING -> DONE for this version; false when the record moved on (newer version, or finished). */
  complete(id: string, version: string, result: VideoResult, at: string): Promise<boolean>;
  /** PROCESSING -> QUEUED for this version: a delivery that failed transiently lets the next one claim at once. */
  release(id: string, version: string, at: string): Promise<boolean>;
  /** QUEUED or PROCESSING -> FAILED for this version. */
  fail(id: string, version: string, error: RecordError, at: string): Promise<boolean>;
  /**
   * An explicit retry: the current version, FAILED (for any reason) or PROCESSING with a claim abandoned by
   * `leaseEndedBy` (default `at`), -> QUEUED. The record as queued, or undefined when it is in no such state.
   */
  requeue(id: string, at: string, leaseEndedBy?: string): Promise<VideoRecord | undefined>;
  /** Replaces the labels of a DONE result of this version. */
  relabel(id: string, version: string, result: VideoResult, at: string): Promise<boolean>;
  /** Most recently updated first, or by score when filtering by label. */
  list(query: ListQuery): Promise<Page<VideoRecord>>;
  /** Records still QUEUED or PROCESSING: what a restarted pipeline must queue again. */
  unfinished(): Promise<VideoRecord[]>;
}
