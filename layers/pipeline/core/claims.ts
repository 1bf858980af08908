import type { VideoRecord } from './result-schema.js';

/**
 * How long a claim holds a video when the runtime says nothing: the Lambda's longest timeout (15 min) and a margin.
 * A delivery that dies (killed at its timeout, kill -9) leaves the record PROCESSING; once the lease ends, the video
 * may be claimed again.
 */
export const DEFAULT_CLAIM_LEASE_MS = 16 * 60_000;

/** The end of a lease of `leaseMs` taken at `at` (ISO 8601). */
export function leaseEnd(at: string, leaseMs: number): string {
  return new Date(Date.parse(at) + leaseMs).toISOString();
}

/** A PROCESSING record whose claim ended by `at` (records from before leases have none: they count as ended). */
export function isAbandoned(record: Pick<VideoRecord, 'status' | 'leaseUntil'>, at: string): boolean {
  return record.status === 'PROCESSING' && (record.leaseUntil === undefined || record.leaseUntil <= at);
}

/**
 * Whether a record may be queued again for the same version without anyone asking: its failure was transient, or its
 * claim was abandoned. Typed input errors (not a video, too long, ...) are final until someone retries them.
 */
export function isRequeueable(record: Pick<VideoRecord, 'status' | 'leaseUntil' | 'error'>, at: string): boolean {
  return (record.status === 'FAILED' && record.error?.retryable === true) || isAbandoned(record, at);
}

/** Whether an explicit retry may queue the record again: any failure, or an abandoned claim. */
export function isRetryable(record: Pick<VideoRecord, 'status' | 'leaseUntil'>, at: string): boolean {
  return record.status === 'FAILED' || isAbandoned(record, at);
}
