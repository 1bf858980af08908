import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one DynamoDB table of the result store. Deployed by infra/ and created by the tests from
 * these constants, so both tables are the same. No sort key; two kinds of item share the table:
 *
 * - a video item per video (pk = video id): status, object version, error, result, embedding. It
 *   carries `videoShard` and `statusShard`, which put it in the byUpdated and byStatus indexes.
 * - a label item per top label of a DONE result (pk = `<video id>#label#<label>`): `labelShard` and
 *   `score` put it in the byLabel index. Label items are written before the video item turns DONE
 *   and checked against it on read, so the index never misses a label and a stale one is never shown.
 *
 * No index partition takes every write: each indexed value (all videos, a status, a label) is split
 * into TABLE_SHARDS partitions `<value>#<shard>` by a hash of the video id, and a read queries the
 * shards in parallel and merges them (sharded-merge.ts).
 */
export const TABLE_PARTITION_KEY = 'pk';

/**
 * Index partitions per indexed value. Each index partition takes about 1,000 write units a second, so
 * this many shards take this many times that (README, "Table design"); a page reads every shard, and
 * its cursor holds a position per shard (under the API's 2,000-character cursor limit at 16).
 */
export const TABLE_SHARDS = 16;

/** The indexed value of every video item in the byUpdated index. */
export const VIDEO_ENTITY = 'VIDEO';

/** The shard of video `id`'s index entries: a hash of the id, so a backfill's writes spread evenly. */
export function shardOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % TABLE_SHARDS;
}

/** The index partition of `value` (VIDEO_ENTITY, a status, a label) in `shard`. */
export function shardedPartition(value: string, shard: number): string {
  return `${value}#${shard}`;
}

interface IndexSchema {
  name: string;
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey: { name: string; type: 'S' | 'N' };
  /** Every index projects all attributes: a page is read from the index alone. */
  projection: 'ALL';
}

export const TABLE_INDEXES = {
  /** All videos, most recently updated first (`VIDEO#<shard>`, descending). */
  byUpdated: {
    name: 'byUpdatedSharded',
    partitionKey: { name: 'videoShard', type: 'S' },
    sortKey: { name: 'updatedAt', type: 'S' },
    projection: 'ALL',
  },
  /** Videos in one status (`<status>#<shard>`), most recent first. */
  byStatus: {
    name: 'byStatusSharded',
    partitionKey: { name: 'statusShard', type: 'S' },
    sortKey: { name: 'updatedAt', type: 'S' },
    projection: 'ALL',
  },
  /** Label items of one label (`<label>#<shard>`), best score first. */
  byLabel: {
    name: 'byLabelSharded',
    partitionKey: { name: 'labelShard', type: 'S' },
    sortKey: { name: 'score', type: 'N' },
    projection: 'ALL',
  },
} as const satisfies Record<string, IndexSchema>;

/** CreateTable input for this schema (on-demand capacity). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const indexes = Object.values(TABLE_INDEXES);
  const attributes = new Map<string, 'S' | 'N'>([[TABLE_PARTITION_KEY, 'S']]);
  for (const index of indexes) {
    attributes.set(index.partitionKey.name, index.partitionKey.type);
    attributes.set(index.sortKey.name, index.sortKey.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
