import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '../../../common/concurrency.js';
import { CorruptItemError, type Item } from './dynamo-items.js';
import type { DynamoResultStore } from './dynamo-result-store.js';

/** Video items restored at once. */
const CONCURRENCY = 16;

export interface TableCopyCounts {
  /** Video items read from the old table. */
  videos: number;
  copied: number;
  /** Already in the new table (recorded there since the upgrade, or copied by an earlier run). */
  kept: number;
  /** Items with `entity` that hold no video record: left where they are. */
  unusable: number;
}

/**
 * Copies every video of a result table of the unsharded layout (the one before TABLE_SHARDS: video items carry
 * `entity`) into `into`'s table, with their label items rebuilt, a Scan page at a time. A one-off upgrade step,
 * not a request path; running it again copies only what is still missing.
 */
export async function copyUnshardedTable(
  dynamo: DynamoDBDocumentClient,
  from: string,
  into: DynamoResultStore,
  onProgress?: (counts: TableCopyCounts) => void,
): Promise<TableCopyCounts> {
  const counts: TableCopyCounts = { videos: 0, copied: 0, kept: 0, unusable: 0 };
  const copy = async (item: Item): Promise<'copied' | 'kept' | 'unusable'> => {
    try {
      return (await into.restore(item)) ? 'copied' : 'kept';
    } catch (error) {
      if (error instanceof CorruptItemError) return 'unusable';
      throw error;
    }
  };
  let startKey: Item | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: from,
        FilterExpression: 'attribute_exists(#entity)',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const items = page.Items ?? [];
    for (const outcome of await mapConcurrently(items, CONCURRENCY, copy)) counts[outcome]++;
    counts.videos += items.length;
    onProgress?.(counts);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return counts;
}
