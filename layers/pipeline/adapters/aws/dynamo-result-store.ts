import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type {
  EnqueueOutcome,
  ListQuery,
  Page,
  RecordError,
  ResultStore,
  SourceObject,
  VideoRecord,
  VideoResult,
} from '../../core/index.js';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../core/index.js';
import { ExpressionAttributes } from './dynamo-expression.js';
import {
  type Item,
  labelItem,
  labelItemKey,
  queuedFields,
  recordOf,
  statusFields,
  videoIndexFields,
} from './dynamo-items.js';
import { ShardedMerge } from './sharded-merge.js';
import { shardedPartition, TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_SHARDS, VIDEO_ENTITY } from './table-schema.js';

type IndexName = keyof typeof TABLE_INDEXES;

const BATCH_GET_KEYS = 100;

/**
 * Most index items one page of `list` asks for. A page whose filters pass few of them (a label with `since`,
 * stale label items) ends there with a cursor, so no request reads a whole label or status.
 */
const MAX_ITEMS_READ_PER_PAGE = 1000;

/** Where a shard's reading resumes: after the item of this video id and sort value; null at the shard's start. */
type ShardPosition = [videoId: string, sort: string | number] | null;

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
  );
}

/** A PROCESSING item whose claim ended by `at` (claims.ts isAbandoned, as a condition expression). */
function abandonedCondition(names: ExpressionAttributes, at: string): string {
  const lease = names.name('leaseUntil');
  return `(${names.name('status')} = ${names.value('PROCESSING')} AND (attribute_not_exists(${lease}) OR ${lease} <= ${names.value(at)}))`;
}

/** claims.ts isRequeueable as a condition expression: a retryable failure or an abandoned claim. */
function requeueableCondition(names: ExpressionAttributes, at: string): string {
  const retryable = `${names.name('error')}.${names.name('retryable')}`;
  return `((${names.name('status')} = ${names.value('FAILED')} AND ${retryable} = ${names.value(true)}) OR ${abandonedCondition(names, at)})`;
}

/** Runs a conditional write; false when its condition did not hold. */
async function conditionally(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

function sortValueOf(index: IndexName, item: Item): string | number {
  return item[TABLE_INDEXES[index].sortKey.name] as string | number;
}

function positionOf(index: IndexName, item: Item): ShardPosition {
  return [(index === 'byLabel' ? item.videoId : item[TABLE_PARTITION_KEY]) as string, sortValueOf(index, item)];
}

/** The ExclusiveStartKey that resumes the query of `value` in `shard` of `index` at `position`. */
function startKeyOf(index: IndexName, value: string, shard: number, position: ShardPosition): Item | undefined {
  if (!position) return undefined;
  const { partitionKey, sortKey } = TABLE_INDEXES[index];
  const [videoId, sort] = position;
  return {
    [TABLE_PARTITION_KEY]: index === 'byLabel' ? labelItemKey(videoId, value) : videoId,
    [partitionKey.name]: shardedPartition(value, shard),
    [sortKey.name]: sort,
  };
}

/** A list cursor's position: one per shard. */
function positionsSchema(index: IndexName) {
  const sort = TABLE_INDEXES[index].sortKey.type === 'N' ? z.number() : z.string();
  return z.array(z.tuple([z.string().min(1), sort]).nullable()).length(TABLE_SHARDS);
}

/**
 * The ResultStore in one DynamoDB table (table-schema.ts), without transactions: every state change
 * is one conditional update of the video item on its object version, so redelivered or reordered
 * messages cannot duplicate or regress a record. Label items (the by-label index) are written before
 * the video item they describe and checked against it on read.
 */
export class DynamoResultStore implements ResultStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string): Promise<VideoRecord | undefined> {
    const { Item: item } = await this.dynamo.send(
      new GetCommand({ TableName: this.table, Key: { pk: id }, ConsistentRead: true }),
    );
    return item && recordOf(item);
  }

  async enqueue(id: string, source: SourceObject, at: string): Promise<EnqueueOutcome> {
    const names = new ExpressionAttributes();
    // Items written before 2026-12 also hold the embedding (now only in the artifacts and the vector index).
    const update = names.update(queuedFields(id, { source, queuedAt: at }), [
      'error',
      'result',
      'embedding',
      'leaseUntil',
    ]);
    const version = names.value(source.version);
    const condition = `attribute_not_exists(${names.name('pk')}) OR (${names.name('version')} <> ${version} AND ${names.name('sequence')} < ${names.value(source.sequence)}) OR (${names.name('version')} = ${version} AND ${requeueableCondition(names, at)})`;
    try {
      const { Attributes: previous } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: id },
          UpdateExpression: update,
          ConditionExpression: condition,
          ReturnValues: 'ALL_OLD',
          ...names.attributes,
        }),
      );
      if (previous?.result) await this.deleteLabelItems(id, recordOf(previous).result!, []);
      return 'queued';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const current = await this.get(id);
    if (current?.source.version !== source.version) return 'stale';
    return current.status === 'QUEUED' || current.status === 'PROCESSING' ? 'pending' : 'finished';
  }

  async claim(id: string, version: string, at: string, leaseUntil: string): Promise<VideoRecord | undefined> {
    const names = new ExpressionAttributes();
    const update = `${names.update({ ...statusFields(id, 'PROCESSING'), updatedAt: at, leaseUntil })} ADD ${names.name('attempts')} ${names.value(1)}`;
    const condition = `${names.name('version')} = ${names.value(version)} AND (${names.name('status')} = ${names.value('QUEUED')} OR ${abandonedCondition(names, at)})`;
    return this.updateRecord(id, names, update, condition);
  }

  /** One conditional update of the video item; the record it leaves, or undefined when `condition` did not hold. */
  private async updateRecord(
    id: string,
    names: ExpressionAttributes,
    update: string,
    condition: string,
  ): Promise<VideoRecord | undefined> {
    try {
      const { Attributes: item } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: id },
          UpdateExpression: update,
          ConditionExpression: condition,
          ReturnValues: 'ALL_NEW',
          ...names.attributes,
        }),
      );
      return recordOf(item!);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** One conditional update of the video item: `fields` set when it holds `version` in one of `statuses`. */
  private updateVersion(
    id: string,
    version: string,
    statuses: readonly string[],
    fields: Item,
    removed: string[] = [],
    returnOld = false,
  ) {
    const names = new ExpressionAttributes();
    const update = names.update(fields, removed);
    const condition = `${names.name('version')} = ${names.value(version)} AND ${names.name('status')} IN (${statuses.map((status) => names.value(status)).join(', ')})`;
    return this.dynamo.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: id },
        UpdateExpression: update,
        ConditionExpression: condition,
        ...(returnOld ? { ReturnValues: 'ALL_OLD' } : {}),
        ...names.attributes,
      }),
    );
  }

  async complete(id: string, version: string, result: VideoResult, at: string): Promise<boolean> {
    await this.putLabelItems(id, result);
    return conditionally(
      this.updateVersion(id, version, ['PROCESSING'], { ...statusFields(id, 'DONE'), result, updatedAt: at }, [
        'error',
        'leaseUntil',
      ]),
    );
  }

  async fail(id: string, version: string, error: RecordError, at: string): Promise<boolean> {
    return conditionally(
      this.updateVersion(
        id,
        version,
        ['QUEUED', 'PROCESSING'],
        { ...statusFields(id, 'FAILED'), error, updatedAt: at },
        ['leaseUntil'],
      ),
    );
  }

  async release(id: string, version: string, at: string): Promise<boolean> {
    return conditionally(
      this.updateVersion(id, version, ['PROCESSING'], { ...statusFields(id, 'QUEUED'), updatedAt: at }, ['leaseUntil']),
    );
  }

  async requeue(id: string, at: string, leaseEndedBy = at): Promise<VideoRecord | undefined> {
    const names = new ExpressionAttributes();
    const update = names.update({ ...statusFields(id, 'QUEUED'), attempts: 0, queuedAt: at, updatedAt: at }, [
      'error',
      'leaseUntil',
    ]);
    const condition = `attribute_exists(${names.name('pk')}) AND (${names.name('status')} = ${names.value('FAILED')} OR ${abandonedCondition(names, leaseEndedBy)})`;
    return this.updateRecord(id, names, update, condition);
  }

  async relabel(id: string, version: string, result: VideoResult, at: string): Promise<boolean> {
    await this.putLabelItems(id, result);
    try {
      const { Attributes: previous } = await this.updateVersion(
        id,
        version,
        ['DONE'],
        { result, updatedAt: at },
        [],
        true,
      );
      await this.deleteLabelItems(
        id,
        recordOf(previous!).result!,
        result.labels.map((label) => label.label),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Writes the video item `item` of a table of the unsharded layout (with `entity`, and label items keyed by label
   * alone) into this table: its index keys and its label items rebuilt. A video this table already holds in
   * another version is left alone; the same version only gets its label items again (a rerun after an interruption).
   * Whether the video item was written. Throws CorruptItemError for an item that is not a video record.
   */
  async restore(item: Item): Promise<boolean> {
    const record = recordOf(item);
    const current = await this.get(record.id);
    if (current && current.source.version !== record.source.version) return false;
    if (record.result) await this.putLabelItems(record.id, record.result);
    if (current) return false;
    const { entity: _unsharded, ...fields } = item;
    const names = new ExpressionAttributes();
    return conditionally(
      this.dynamo.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...fields, ...videoIndexFields(record.id, record.status) },
          ConditionExpression: `attribute_not_exists(${names.name(TABLE_PARTITION_KEY)})`,
          ...names.attributes,
        }),
      ),
    );
  }

  /** Label items of `result`; an item a newer object version already wrote is left alone. */
  private async putLabelItems(id: string, result: VideoResult): Promise<void> {
    await Promise.all(
      result.labels.map((label) => {
        const names = new ExpressionAttributes();
        const condition = `attribute_not_exists(${names.name('pk')}) OR ${names.name('sequence')} <= ${names.value(result.source.sequence)}`;
        return conditionally(
          this.dynamo.send(
            new PutCommand({
              TableName: this.table,
              Item: labelItem(id, result, label),
              ConditionExpression: condition,
              ...names.attributes,
            }),
          ),
        );
      }),
    );
  }

  /** Label items of an earlier `result` whose labels are not in `kept`, unless another version rewrote them. */
  private async deleteLabelItems(id: string, result: VideoResult, kept: readonly string[]): Promise<void> {
    await Promise.all(
      result.labels
        .filter((label) => !kept.includes(label.label))
        .map((label) => {
          const names = new ExpressionAttributes();
          const condition = `${names.name('version')} = ${names.value(result.source.version)}`;
          return conditionally(
            this.dynamo.send(
              new DeleteCommand({
                TableName: this.table,
                Key: { pk: labelItemKey(id, label.label) },
                ConditionExpression: condition,
                ...names.attributes,
              }),
            ),
          );
        }),
    );
  }

  private async getMany(ids: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (let start = 0; start < ids.length; start += BATCH_GET_KEYS) {
      let keys: Array<Record<string, unknown>> | undefined = ids
        .slice(start, start + BATCH_GET_KEYS)
        .map((pk) => ({ pk }));
      while (keys?.length) {
        const response: BatchGetCommandOutput = await this.dynamo.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of response.Responses?.[this.table] ?? []) found.set(item.pk as string, item);
        keys = response.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
  }

  private query(index: IndexName, partition: string, options: { since?: string; startKey?: Item; limit?: number }) {
    const { partitionKey, sortKey } = TABLE_INDEXES[index];
    const names = new ExpressionAttributes();
    const conditions = [`${names.name(partitionKey.name)} = ${names.value(partition)}`];
    if (options.since !== undefined) conditions.push(`${names.name(sortKey.name)} >= ${names.value(options.since)}`);
    return this.dynamo.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: TABLE_INDEXES[index].name,
        KeyConditionExpression: conditions.join(' AND '),
        ScanIndexForward: false,
        ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
        ...(options.limit ? { Limit: options.limit } : {}),
        ...names.attributes,
      }),
    );
  }

  /** Every item of one indexed value, a shard at a time. */
  private async *queryAll(index: IndexName, value: string): AsyncIterable<Item> {
    for (let shard = 0; shard < TABLE_SHARDS; shard++) {
      let startKey: Item | undefined;
      do {
        const page = await this.query(index, shardedPartition(value, shard), { startKey });
        yield* page.Items ?? [];
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
  }

  /** Records of label items that still describe their video's current result, passing the query's other filters. */
  private async labelledRecords(items: Item[], query: ListQuery): Promise<Array<VideoRecord | undefined>> {
    const videos = await this.getMany([...new Set(items.map((item) => item.videoId as string))]);
    return items.map((item) => {
      const video = videos.get(item.videoId as string);
      const record = video && recordOf(video);
      const current =
        record?.status === 'DONE' &&
        record.source.version === item.version &&
        record.result?.labels.some((label) => label.label === item.label);
      const passes =
        (!query.status || record?.status === query.status) &&
        (!query.since || (record && record.updatedAt >= query.since));
      return current && passes ? record : undefined;
    });
  }

  async list(query: ListQuery): Promise<Page<VideoRecord>> {
    const fingerprint = queryFingerprint({ status: query.status, label: query.label, since: query.since });
    const [index, value]: [IndexName, string] =
      query.label !== undefined
        ? ['byLabel', query.label]
        : query.status
          ? ['byStatus', query.status]
          : ['byUpdated', VIDEO_ENTITY];
    const positions: ShardPosition[] = query.cursor
      ? decodeCursor(query.cursor, positionsSchema(index), fingerprint)
      : new Array<ShardPosition>(TABLE_SHARDS).fill(null);
    // Label items describe DONE results only.
    if (query.label !== undefined && query.status !== undefined && query.status !== 'DONE') return { items: [] };
    const since = query.label === undefined ? query.since : undefined;
    const merge = new ShardedMerge(
      positions.map((position, shard) => startKeyOf(index, value, shard, position)),
      async (shard, startKey, limit) => {
        const page = await this.query(index, shardedPartition(value, shard), { since, startKey, limit });
        return { items: page.Items ?? [], ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}) };
      },
      (item) => sortValueOf(index, item),
      MAX_ITEMS_READ_PER_PAGE,
    );
    const records: VideoRecord[] = [];
    let following = false;
    // One more than a page, to know whether another page follows; `positions` stays after the page's last item.
    reading: for (;;) {
      const taken = await merge.take(query.limit + 1 - records.length);
      if (taken.length === 0) break;
      const items = taken.map(({ item }) => item);
      const found = query.label !== undefined ? await this.labelledRecords(items, query) : items.map(recordOf);
      for (const [i, { item, shard }] of taken.entries()) {
        const record = found[i];
        if (record) {
          if (records.length === query.limit) {
            following = true;
            break reading;
          }
          records.push(record);
        }
        positions[shard] = positionOf(index, item);
      }
    }
    return {
      items: records,
      ...(following || !merge.finished ? { nextCursor: encodeCursor(positions, fingerprint) } : {}),
    };
  }

  async unfinished(): Promise<VideoRecord[]> {
    const records: VideoRecord[] = [];
    for (const status of ['QUEUED', 'PROCESSING'])
      for await (const item of this.queryAll('byStatus', status)) records.push(recordOf(item));
    return records.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }
}
