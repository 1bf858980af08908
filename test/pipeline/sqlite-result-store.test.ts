import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { InvalidCursorError } from '../../layers/pipeline/core/errors.js';
import type { VideoRecord } from '../../layers/pipeline/core/result-schema.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { classified, resultFor, sourceObject } from './records.js';
import { retryContract } from './retry-contract.js';

const T = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

test('status moves QUEUED -> PROCESSING -> DONE; the same version again changes nothing', async () => {
  const store = new SqliteResultStore(':memory:');
  const source = sourceObject('a.mp4');
  const id = videoIdFor('bucket', 'a.mp4');
  assert.equal(await store.enqueue(id, source, T(0)), 'queued');
  assert.equal((await store.get(id))!.status, 'QUEUED');
  assert.equal(await store.enqueue(id, source, T(1)), 'pending');
  assert.equal((await store.claim(id, 'v1', T(2), T(20)))!.status, 'PROCESSING');
  assert.equal(await store.claim(id, 'v1', T(3), T(30)), undefined, 'a live claim is not taken twice');
  assert.equal(await store.enqueue(id, source, T(3)), 'pending');
  assert.equal((await store.claim(id, 'v1', T(20), T(40)))!.attempts, 2, 'an abandoned claim is taken over');
  assert.ok(await store.complete(id, 'v1', resultFor(source, [['a', 0.9]]), T(4)));
  assert.equal(await store.enqueue(id, source, T(5)), 'finished');
  assert.equal(
    await store.claim(id, 'v1', T(6), '2100-01-01T00:00:00.000Z'),
    undefined,
    'a finished version is not claimed again',
  );
  assert.equal(await store.complete(id, 'v1', resultFor(source, [['b', 0.9]]), T(7)), false);
  const record = (await store.get(id))!;
  assert.equal(record.status, 'DONE');
  assert.equal(record.result!.labels[0]!.label, 'a');
  assert.equal((await store.list({ limit: 10 })).items.length, 1, 'one record per video');
});

test('a newer version replaces the result; an older one is ignored', async () => {
  const store = new SqliteResultStore(':memory:');
  const id = await classified(store, 'a.mp4', [['old', 0.5]], T(0), 'v1', '0002');
  assert.equal(await store.enqueue(id, sourceObject('a.mp4', 'v0', '0001'), T(1)), 'stale');
  assert.equal(await store.enqueue(id, sourceObject('a.mp4', 'v2', '0003'), T(2)), 'queued');
  const queued = (await store.get(id))!;
  assert.equal(queued.status, 'QUEUED');
  assert.equal(queued.result, undefined);
  assert.equal(queued.attempts, 0);
  assert.deepEqual((await store.list({ label: 'old', limit: 10 })).items, [], 'the old labels left the label index');
  assert.equal(
    await store.claim(id, 'v1', T(3), '2100-01-01T00:00:00.000Z'),
    undefined,
    'the old version cannot be claimed',
  );
  assert.ok(await store.claim(id, 'v2', T(3), '2100-01-01T00:00:00.000Z'));
  assert.equal(await store.fail(id, 'v1', { code: 'X', message: 'late' }, T(4)), false);
  assert.ok(await store.fail(id, 'v2', { code: 'NOT_A_VIDEO', message: 'bad' }, T(4)));
  assert.deepEqual((await store.get(id))!.error, { code: 'NOT_A_VIDEO', message: 'bad' });
  assert.deepEqual([...(await store.list({ status: 'FAILED', limit: 10 })).items.map((r) => r.id)], [id]);
});

test('relabel replaces the labels of a DONE result of the same version only', async () => {
  const store = new SqliteResultStore(':memory:');
  const id = await classified(store, 'a.mp4', [['a', 0.5]], T(0));
  const record = (await store.get(id))!;
  assert.ok(
    await store.relabel(
      id,
      'v1',
      { ...record.result!, labelSetId: 'custom', labels: [{ label: 'z', index: 0, score: 1, logit: 1 }] },
      T(1),
    ),
  );
  assert.equal(await store.relabel(id, 'v0', record.result!, T(2)), false);
  assert.equal((await store.list({ label: 'z', limit: 5 })).items[0]!.id, id);
  assert.equal((await store.list({ label: 'a', limit: 5 })).items.length, 0);
});

test('pages with opaque cursors: recent first, by label ordered by score, since, and cursor misuse rejected', async () => {
  const store = new SqliteResultStore(':memory:');
  for (let i = 0; i < 7; i++)
    await classified(
      store,
      `v${i}.mp4`,
      [
        ['dog', i / 10],
        [i % 2 ? 'odd' : 'even', 0.05],
      ],
      T(i),
    );
  const walk = async (query: { label?: string; since?: string }): Promise<VideoRecord[]> => {
    const seen: VideoRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ ...query, limit: 3, ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 3);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };
  assert.deepEqual(
    (await walk({})).map((r) => r.source.key),
    ['v6.mp4', 'v5.mp4', 'v4.mp4', 'v3.mp4', 'v2.mp4', 'v1.mp4', 'v0.mp4'],
  );
  assert.deepEqual(
    (await walk({ label: 'dog' })).map((r) => r.source.key),
    ['v6.mp4', 'v5.mp4', 'v4.mp4', 'v3.mp4', 'v2.mp4', 'v1.mp4', 'v0.mp4'],
  );
  assert.deepEqual((await walk({ label: 'odd' })).map((r) => r.source.key).sort(), ['v1.mp4', 'v3.mp4', 'v5.mp4']);
  assert.deepEqual(
    (await walk({ since: T(5) })).map((r) => r.source.key),
    ['v6.mp4', 'v5.mp4'],
  );

  const { nextCursor } = await store.list({ limit: 2 });
  await assert.rejects(store.list({ limit: 2, label: 'dog', cursor: nextCursor! }), InvalidCursorError);
  await assert.rejects(store.list({ limit: 2, cursor: 'not-a-cursor' }), InvalidCursorError);
  await assert.rejects(
    store.list({ limit: 2, cursor: Buffer.from('{"p":{"u":1},"q":"x"}').toString('base64url') }),
    InvalidCursorError,
  );
});

test('unfinished lists QUEUED and PROCESSING records', async () => {
  const store = new SqliteResultStore(':memory:');
  await classified(store, 'done.mp4', [['a', 0.5]], T(0));
  await store.enqueue(videoIdFor('bucket', 'queued.mp4'), sourceObject('queued.mp4'), T(1));
  const processing = videoIdFor('bucket', 'processing.mp4');
  await store.enqueue(processing, sourceObject('processing.mp4'), T(2));
  await store.claim(processing, 'v1', T(3), '2100-01-01T00:00:00.000Z');
  assert.deepEqual(
    (await store.unfinished()).map((r) => r.source.key),
    ['queued.mp4', 'processing.mp4'],
  );
});

retryContract('SQLite', () => new SqliteResultStore(':memory:'));
