import { isRequeueable } from '../claims.js';
import { timestampOf } from '../clock.js';
import { type ObjectInfo, type ObjectStore, sourceObjectOf } from '../ports/object-store.js';
import type { IngestSink } from '../ports/queue.js';
import type { ResultStore } from '../ports/result-store.js';
import type { SourceObject } from '../result-schema.js';
import { videoIdFor } from '../video-id.js';
import { type UploadRules, uploadKeyProblem } from '../video-keys.js';

/** Objects are looked up and queued in groups of SQS's batch size. */
const GROUP = 10;

export interface BackfillDeps {
  objects: ObjectStore;
  results: ResultStore;
  queue: IngestSink;
  now?: () => Date;
}

export interface BackfillCounts {
  listed: number;
  queued: number;
  /** Current version already DONE. */
  done: number;
  /** Current version QUEUED, or PROCESSING under a live claim. */
  pending: number;
  /** Current version FAILED on its input (not tried again; `xclip retry` does). Transient failures are queued. */
  failed: number;
  /** Keys the classifier does not take: not videos, or outside the upload prefix. */
  notVideos: number;
}

/**
 * Queues the uploads under `prefix` (keys the classifier takes under `rules`) that the result table has no record
 * of for their current version, or whose version failed transiently or was abandoned mid-claim, as S3-event-shaped
 * messages (SendMessageBatch), then records them QUEUED, so running it again queues nothing new. A message sent but
 * not recorded (an interruption) is only sent twice, which the classifier's conditional writes absorb.
 */
export async function backfill(
  deps: BackfillDeps,
  prefix: string,
  rules: UploadRules,
  onProgress?: (counts: BackfillCounts) => void,
): Promise<BackfillCounts> {
  const counts: BackfillCounts = { listed: 0, queued: 0, done: 0, pending: 0, failed: 0, notVideos: 0 };
  const sourceOf = (object: ObjectInfo): SourceObject => sourceObjectOf(deps.objects.bucket, object);

  const queueGroup = async (group: ObjectInfo[]): Promise<void> => {
    const records = await Promise.all(
      group.map((object) => deps.results.get(videoIdFor(deps.objects.bucket, object.key))),
    );
    const checkedAt = timestampOf(deps);
    const fresh = group.filter((object, i) => {
      const record = records[i];
      if (record?.source.version !== object.version || isRequeueable(record, checkedAt)) return true;
      if (record.status === 'DONE') counts.done++;
      else if (record.status === 'FAILED') counts.failed++;
      else counts.pending++;
      return false;
    });
    await deps.queue.sendAll(fresh.map((object) => ({ source: sourceOf(object), bytes: object.bytes })));
    const at = timestampOf(deps);
    await Promise.all(
      fresh.map((object) => deps.results.enqueue(videoIdFor(deps.objects.bucket, object.key), sourceOf(object), at)),
    );
    counts.queued += fresh.length;
    onProgress?.(counts);
  };

  let group: ObjectInfo[] = [];
  for await (const object of deps.objects.list(prefix)) {
    counts.listed++;
    if (uploadKeyProblem(object.key, rules)) {
      counts.notVideos++;
      continue;
    }
    group.push(object);
    if (group.length === GROUP) {
      await queueGroup(group);
      group = [];
    }
  }
  if (group.length > 0) await queueGroup(group);
  onProgress?.(counts);
  return counts;
}
