import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The one DynamoDB table of the result store. Deployed by infra/ and created by the tests from
 * these constants, so both tables are the same. No sort key; two kinds of item share the table:
 *
 * - a video item per video (pk = video id): status, object version, error, result, embedding. It
 *   carries `entity` = VIDEO_ENTITY and `status`, which put it in the byUpdated and byStatus indexes.
 * - a label item per top label of a DONE result (pk = `<video id>#label#<label>`): `label` and
 *   `score` put it in the byLabel index. Label items are written before the video item turns DONE
 *   and checked against it on read, so the index never misses a label and a stale one is never shown.
 */
export const TABLE_PARTITION_KEY = 'pk';

/** Value of `entity` on every video item: the single partition of the byUpdated index. */
export const VIDEO_ENTITY = 'VIDEO';

interface IndexSchema {
  name: string;
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey: { name: string; type: 'S' | 'N' };
  /** Every index projects all attributes: a page is read from the index alone. */
  projection: 'ALL';
}

export const TABLE_INDEXES = {
  /** All videos, most recently updated first (query VIDEO_ENTITY, descending). */
  byUpdated: {
    name: 'byUpdated',
    partitionKey: { name: 'entity', type: 'S' },
    sortKey: { name: 'updatedAt', type: 'S' },
    projection: 'ALL',
  },
  /** Videos in one status (FAILED, or QUEUED/PROCESSING for unfinished work), most recent first. */
  byStatus: {
    name: 'byStatus',
    partitionKey: { name: 'status', type: 'S' },
    sortKey: { name: 'updatedAt', type: 'S' },
    projection: 'ALL',
  },
  /** Label items of one label, best score first. */
  byLabel: {
    name: 'byLabel',
    partitionKey: { name: 'label', type: 'S' },
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
