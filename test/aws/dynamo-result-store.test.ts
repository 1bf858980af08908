import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { labelItem } from '../../layers/pipeline/adapters/aws/dynamo-items.js';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { createTableInput, shardOf, TABLE_SHARDS } from '../../layers/pipeline/adapters/aws/table-schema.js';
import { InvalidCursorError } from '../../layers/pipeline/core/errors.js';
import type { ListQuery } from '../../layers/pipeline/core/ports/result-store.js';
import type { VideoRecord } from '../../layers/pipeline/core/result-schema.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { classified, resultFor, sourceObject } from '../pipeline/records.js';
import { retryContract } from '../pipeline/retry-contract.js';

const T = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
let aws: LocalAws;
let store: DynamoResultStore;

before(async () => {
  aws = await startLocalAws();
  store = new DynamoResultStore(aws.clients.dynamo, aws.table);
});
after(() => aws.close());

async function walk(query: { label?: string; since?: string; status?: VideoRecord['status'] }): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, limit: 3, ...(cursor ? { cursor } : {}) });
    assert.ok(page.items.length <= 3);
    keys.push(...page.items.map((record) => record.source.key));
    cursor = page.nextCursor;
  } while (cursor);
  return keys;
}

test('QUEUED -> PROCESSING -> DONE with conditional writes: redeliveries neither duplicate nor regress', async () => {
  const source = sourceObject('a.mp4');
  const id = videoIdFor('bucket', 'a.mp4');
  assert.equal(await store.enqueue(id, source, T(0)), 'queued');
  assert.equal(await store.enqueue(id, source, T(1)), 'pending');
  assert.equal((await store.claim(id, 'v1', T(2), T(20)))!.status, 'PROCESSING');
  assert.equal(await store.claim(id, 'v1', T(3), T(30)), undefined, 'a live claim is not taken twice');
  assert.equal(await store.enqueue(id, source, T(3)), 'pending');
  assert.equal((await store.claim(id, 'v1', T(20), T(40)))!.attempts, 2, 'an abandoned claim is taken over');
  assert.ok(await store.complete(id, 'v1', resultFor(source, [['a', 0.9]]), T(4)));
  assert.equal(await store.enqueue(id, source, T(5)), 'finished');
  assert.equal(await store.claim(id, 'v1', T(6), '2100-01-01T00:00:00.000Z'), undefined);
  assert.equal(await store.complete(id, 'v1', resultFor(source, [['b', 0.9]]), T(7)), false);
  const record = (await store.get(id))!;
  assert.equal(record.status, 'DONE');
  assert.deepEqual(
    record.result!.labels.map((label) => label.label),
    ['a'],
  );
  assert.deepEqual(await walk({ label: 'b' }), [], 'a refused result does not show in the label index');
});

test('a newer version starts over at QUEUED and drops the old labels; an older one is stale; FAILED keeps its reason', async () => {
  const id = await classified(store, 'b.mp4', [['old', 0.5]], T(0), 'v1', '0002');
  assert.equal(await store.enqueue(id, sourceObject('b.mp4', 'v0', '0001'), T(1)), 'stale');
  assert.equal(await store.enqueue(id, sourceObject('b.mp4', 'v2', '0003'), T(2)), 'queued');
  const queued = (await store.get(id))!;
  assert.equal(queued.status, 'QUEUED');
  assert.equal(queued.result, undefined);
  assert.equal(queued.attempts, 0);
  assert.deepEqual(await walk({ label: 'old' }), []);
  assert.equal(await store.claim(id, 'v1', T(3), '2100-01-01T00:00:00.000Z'), undefined);
  assert.ok(await store.claim(id, 'v2', T(3), '2100-01-01T00:00:00.000Z'));
  assert.equal(await store.fail(id, 'v1', { code: 'X', message: 'late' }, T(4)), false);
  assert.ok(await store.fail(id, 'v2', { code: 'NOT_A_VIDEO', message: 'bad' }, T(4)));
  assert.deepEqual((await store.get(id))!.error, { code: 'NOT_A_VIDEO', message: 'bad' });
  assert.deepEqual(await walk({ status: 'FAILED' }), ['b.mp4']);
});

test('relabel swaps the label index entries of a DONE result of the same version only', async () => {
  const id = await classified(store, 'c.mp4', [['cat', 0.5]], T(0));
  const { result } = (await store.get(id))!;
  assert.ok(
    await store.relabel(id, 'v1', { ...result!, labels: [{ label: 'zebra', index: 0, score: 1, logit: 1 }] }, T(1)),
  );
  assert.equal(await store.relabel(id, 'v0', result!, T(2)), false);
  assert.deepEqual(await walk({ label: 'zebra' }), ['c.mp4']);
  assert.deepEqual(await walk({ label: 'cat' }), []);
});

test('pages: recent first, by label best score first, since, status; stale label items are skipped; cursors are checked', async () => {
  for (let i = 0; i < 7; i++)
    await classified(
      store,
      `p${i}.mp4`,
      [
        ['dog', i / 10],
        [i % 2 ? 'odd' : 'even', 0.05],
      ],
      T(10 + i),
    );
  // Label items left by interrupted writes (an older version's, a relabel's): the video item disagrees, so they are never listed.
  const staleId = await classified(store, 'stale.mp4', [['cat', 0.5]], T(9));
  for (const version of ['v1', 'v-old']) {
    const stale = resultFor(sourceObject('stale.mp4', version, '0000'), [['dog', 0.99]]);
    await aws.clients.dynamo.send(
      new PutCommand({
        TableName: aws.table,
        Item: { ...labelItem(staleId, stale, stale.labels[0]!), pk: `${staleId}#${version}` },
      }),
    );
  }

  const recent = await walk({ since: T(10) });
  assert.deepEqual(recent, ['p6.mp4', 'p5.mp4', 'p4.mp4', 'p3.mp4', 'p2.mp4', 'p1.mp4', 'p0.mp4']);
  assert.deepEqual(await walk({ label: 'dog' }), [
    'p6.mp4',
    'p5.mp4',
    'p4.mp4',
    'p3.mp4',
    'p2.mp4',
    'p1.mp4',
    'p0.mp4',
  ]);
  assert.deepEqual((await walk({ label: 'odd' })).sort(), ['p1.mp4', 'p3.mp4', 'p5.mp4']);
  assert.deepEqual(await walk({ label: 'dog', since: T(15) }), ['p6.mp4', 'p5.mp4']);
  assert.deepEqual(await walk({ status: 'DONE', since: T(15) }), ['p6.mp4', 'p5.mp4']);
  const { nextCursor } = await store.list({ limit: 2 });
  await assert.rejects(store.list({ limit: 2, label: 'dog', cursor: nextCursor! }), InvalidCursorError);
  await assert.rejects(store.list({ limit: 2, cursor: 'not-a-cursor' }), InvalidCursorError);
});

test('unfinished lists QUEUED and PROCESSING records', async () => {
  const processing = videoIdFor('bucket', 'u-processing.mp4');
  await store.enqueue(videoIdFor('bucket', 'u-queued.mp4'), sourceObject('u-queued.mp4'), T(30));
  await store.enqueue(processing, sourceObject('u-processing.mp4'), T(31));
  await store.claim(processing, 'v1', T(32), '2100-01-01T00:00:00.000Z');
  assert.deepEqual(
    (await store.unfinished()).map((record) => record.source.key),
    ['u-queued.mp4', 'u-processing.mp4'],
  );
});

retryContract('DynamoDB', () => store);

/** A store on a table of its own, so the tests above see none of its records. */
async function storeOnNewTable(table: string): Promise<DynamoResultStore> {
  await aws.clients.dynamo.send(new CreateTableCommand(createTableInput(table)));
  return new DynamoResultStore(aws.clients.dynamo, table);
}

/** Every page of `query` from `results`, in order; each cursor fits the API's 2,000 characters. */
async function walkRecords(results: DynamoResultStore, query: Omit<ListQuery, 'cursor'>): Promise<VideoRecord[]> {
  const records: VideoRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await results.list({ ...query, ...(cursor ? { cursor } : {}) });
    assert.ok(page.items.length <= query.limit);
    assert.ok((page.nextCursor?.length ?? 0) <= 2000, 'the cursor fits the API limit');
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return records;
}

function assertDescending(values: Array<string | number>, what: string): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1]! >= values[i]!, `${what} out of order at ${i}`);
}

test('pages merge every shard: 40 videos over many shards, pages of 7, each once and in order, also while videos change', async () => {
  const sharded = await storeOnNewTable('sharded-pages');
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    // Pairs share a time and a score, so equal sort values meet within and across shards.
    const at = T(Math.floor(i / 2));
    const key = `m${i}.mp4`;
    if (i % 5 === 4) {
      const id = videoIdFor('bucket', key);
      await sharded.enqueue(id, sourceObject(key), at);
      assert.ok(await sharded.fail(id, 'v1', { code: 'NOT_A_VIDEO', message: 'no' }, at));
      ids.push(id);
    } else ids.push(await classified(sharded, key, [['common', Math.floor(i / 2) / 20]], at));
  }
  assert.ok(new Set(ids.map(shardOf)).size >= TABLE_SHARDS / 2, 'the videos spread over the shards');

  const all = await walkRecords(sharded, { limit: 7 });
  assert.deepEqual(new Set(all.map((record) => record.id)), new Set(ids));
  assert.equal(all.length, ids.length, 'no video twice');
  assertDescending(
    all.map((record) => record.updatedAt),
    'updatedAt',
  );

  const common = await walkRecords(sharded, { label: 'common', limit: 7 });
  assert.deepEqual(common.map((record) => record.id).sort(), ids.filter((_, i) => i % 5 !== 4).sort());
  assertDescending(
    common.map((record) => record.result!.labels[0]!.score),
    'score',
  );
  const failed = await walkRecords(sharded, { status: 'FAILED', limit: 3 });
  assert.deepEqual(failed.map((record) => record.id).sort(), ids.filter((_, i) => i % 5 === 4).sort());
  const recent = await walkRecords(sharded, { since: T(10), limit: 7 });
  assert.deepEqual(recent.map((record) => record.id).sort(), ids.slice(20).sort());

  // A video already listed changes and a new one arrives between pages: both are newer than the
  // cursor, so the walk goes on with the rest, none twice, none missing.
  const first = await sharded.list({ limit: 7 });
  const changed = first.items.find((record) => record.status === 'FAILED')!;
  assert.ok(await sharded.requeue(changed.id, T(50)));
  await classified(sharded, 'late.mp4', [['common', 0.99]], T(51));
  const rest: VideoRecord[] = [];
  let cursor = first.nextCursor;
  while (cursor) {
    const page = await sharded.list({ limit: 7, cursor });
    rest.push(...page.items);
    cursor = page.nextCursor;
  }
  const walked = [...first.items, ...rest].map((record) => record.id);
  assert.equal(walked.length, ids.length);
  assert.deepEqual(new Set(walked), new Set(ids));
});

test('a page reads a bounded number of index items: 1,100 stale label items give short pages with cursors', async () => {
  const sharded = await storeOnNewTable('sharded-budget');
  // Label items whose videos are gone: every one is read and turned down.
  const source = sourceObject('orphan.mp4');
  const orphans = Array.from({ length: 1100 }, (_, i) => {
    const id = videoIdFor('bucket', `orphan-${i}.mp4`);
    return labelItem(id, resultFor(source, [['orphan', i / 1100]]), {
      label: 'orphan',
      index: 0,
      score: i / 1100,
      logit: 0,
    });
  });
  for (let start = 0; start < orphans.length; start += 25)
    await aws.clients.dynamo.send(
      new BatchWriteCommand({
        RequestItems: { 'sharded-budget': orphans.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  let read = 0;
  aws.clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') read += (result.output as { Count?: number }).Count ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countQueriedItems' },
  );
  try {
    let pages = 0;
    let cursor: string | undefined;
    do {
      read = 0;
      const page = await sharded.list({ label: 'orphan', limit: 20, ...(cursor ? { cursor } : {}) });
      assert.deepEqual(page.items, []);
      assert.ok(read <= 1000, `one page read ${read} index items`);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.ok(pages >= 2, 'the first page ended at its budget with a cursor');
  } finally {
    aws.clients.dynamo.middlewareStack.remove('countQueriedItems');
  }
});
