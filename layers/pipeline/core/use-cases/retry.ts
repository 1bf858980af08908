import { timestampOf } from '../clock.js';
import { NotFoundError, NotReadyError } from '../errors.js';
import type { IngestSink } from '../ports/queue.js';
import type { ResultStore } from '../ports/result-store.js';
import type { VideoRecord } from '../result-schema.js';
import { recordErrorOf } from './classify.js';

export interface RetryDeps {
  results: ResultStore;
  /** The ingest queue the classifier reads. */
  ingest: IngestSink;
  now?: () => Date;
}

/**
 * Classifies video `id` again: a FAILED version (typed input errors included: the file may have been fixed, or a
 * newer model may read it) or one whose claim was abandoned goes back to QUEUED and onto the queue. If the queue
 * refuses it, the record says so as a retryable failure instead of waiting QUEUED for a message that never comes.
 */
export async function retryVideo(deps: RetryDeps, id: string): Promise<VideoRecord> {
  const queued = await deps.results.requeue(id, timestampOf(deps));
  if (!queued) {
    const record = await deps.results.get(id);
    if (!record) throw new NotFoundError(`video ${id}`);
    const why =
      record.status === 'PROCESSING' ? `it is being classified until ${record.leaseUntil}` : `it is ${record.status}`;
    throw new NotReadyError(`cannot retry video ${id}`, why);
  }
  try {
    await deps.ingest.sendAll([{ source: queued.source }]);
  } catch (error) {
    await deps.results.fail(id, queued.source.version, recordErrorOf(error, true), timestampOf(deps));
    throw error;
  }
  return queued;
}
