import { type ObjectInfo, sourceObjectOf } from '../ports/object-store.js';
import type { Queue } from '../ports/queue.js';
import type { EnqueueOutcome, ResultStore } from '../ports/result-store.js';
import type { SourceObject } from '../result-schema.js';
import { videoIdFor } from '../video-id.js';

/** Records a new or changed object as QUEUED and sends it to the queue; other versions are left alone. */
export async function ingestObject(
  results: ResultStore,
  queue: Queue<SourceObject>,
  bucket: string,
  object: ObjectInfo,
  at: string,
): Promise<EnqueueOutcome> {
  const source = sourceObjectOf(bucket, object);
  const outcome = await results.enqueue(videoIdFor(bucket, object.key), source, at);
  if (outcome === 'queued') await queue.send(source);
  return outcome;
}
