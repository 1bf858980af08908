import { XclipError } from '../../../common/errors.js';
import { describeIssues } from '../../../common/zod-issues.js';
import { type VideoRecord, type VideoResult, videoRecordSchema } from '../../core/index.js';
import { shardedPartition, shardOf, VIDEO_ENTITY } from './table-schema.js';

/** A table item that does not hold what this adapter writes. */
export class CorruptItemError extends XclipError {
  constructor(pk: unknown, why: string) {
    super('CORRUPT_ITEM', `result table item ${JSON.stringify(pk)} is unusable`, why);
  }
}

export type Item = Record<string, unknown>;

/** Partition key of the label item of `label` in the result of video `id`. */
export function labelItemKey(id: string, label: string): string {
  return `${id}#label#${label}`;
}

export function labelItem(id: string, result: VideoResult, label: VideoResult['labels'][number]): Item {
  return {
    pk: labelItemKey(id, label.label),
    videoId: id,
    label: label.label,
    labelShard: shardedPartition(label.label, shardOf(id)),
    score: label.score,
    version: result.source.version,
    sequence: result.source.sequence,
  };
}

/** `status` and the byStatus index partition that goes with it: set together by every status change. */
export function statusFields(id: string, status: VideoRecord['status']): Item {
  return { status, statusShard: shardedPartition(status, shardOf(id)) };
}

/** Every index key of video `id`'s item in `status`. */
export function videoIndexFields(id: string, status: VideoRecord['status']): Item {
  return { videoShard: shardedPartition(VIDEO_ENTITY, shardOf(id)), ...statusFields(id, status) };
}

/** The video item's fields that a new version (QUEUED) sets. */
export function queuedFields(id: string, record: Pick<VideoRecord, 'source' | 'queuedAt'>): Item {
  const { bucket, key, version, sequence } = record.source;
  return {
    bucket,
    key,
    version,
    sequence,
    ...videoIndexFields(id, 'QUEUED'),
    attempts: 0,
    queuedAt: record.queuedAt,
    updatedAt: record.queuedAt,
  };
}

export function recordOf(item: Item): VideoRecord {
  const parsed = videoRecordSchema.safeParse({
    id: item.pk,
    source: { bucket: item.bucket, key: item.key, version: item.version, sequence: item.sequence },
    status: item.status,
    attempts: item.attempts,
    ...(item.error !== undefined ? { error: item.error } : {}),
    ...(item.leaseUntil !== undefined ? { leaseUntil: item.leaseUntil } : {}),
    queuedAt: item.queuedAt,
    updatedAt: item.updatedAt,
    ...(item.result !== undefined ? { result: item.result } : {}),
  });
  if (!parsed.success) throw new CorruptItemError(item.pk, describeIssues(parsed.error));
  return parsed.data;
}
