import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyLimit } from '../../layers/common/concurrency.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { classifyBatch } from '../../layers/pipeline/core/routing/classify-batch.js';
import { FAKE_CLASSIFICATION, fakeVideoModel } from '../pipeline/records.js';

/** A model that takes a few ms per video and counts how many it classifies at once. */
function countingModel() {
  const counts = { now: 0, most: 0, calls: 0 };
  const model = fakeVideoModel(async () => {
    counts.calls++;
    counts.most = Math.max(counts.most, ++counts.now);
    await sleep(10);
    counts.now--;
    return FAKE_CLASSIFICATION;
  }, 'cuda');
  return { model, counts };
}

test("requests in progress together share the server's slots: never more videos at once than the limit", async () => {
  const work = mkdtempSync(join(tmpdir(), 'xclip-classify-batch-'));
  const bucket = join(work, 'bucket');
  mkdirSync(bucket);
  mkdirSync(join(work, 'scratch'));
  const keys = Array.from({ length: 10 }, (_, i) => `v${i}.mp4`);
  for (const key of keys) writeFileSync(join(bucket, key), key);
  const { model, counts } = countingModel();
  const sources = new FsObjectStore(bucket);
  const deps = {
    model,
    sources,
    artifacts: new FsObjectStore(join(work, 'objects')),
    results: new SqliteResultStore(':memory:'),
    vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 }),
    workDir: join(work, 'scratch'),
    maxAttempts: 1,
    slots: new ConcurrencyLimit(3),
  };
  const uris = keys.map((key) => `s3://${sources.bucket}/${key}`);
  const [first, second] = await Promise.all([
    classifyBatch(deps, { videos: uris.slice(0, 6), labels: 'a,b', top: 1 }),
    classifyBatch(deps, { videos: uris.slice(6), labels: 'a,b', top: 1 }),
  ]);
  assert.deepEqual(
    first.videos.map((video) => [video.key, video.status]),
    keys.slice(0, 6).map((key) => [key, 'DONE']),
  );
  assert.deepEqual(
    second.videos.map((video) => [video.key, video.status]),
    keys.slice(6).map((key) => [key, 'DONE']),
  );
  assert.equal(counts.calls, 10);
  assert.equal(counts.most, 3, 'both requests together kept to the three slots, and used them all');
  assert.equal(first.executionProvider, 'cuda');
  assert.equal(deps.slots.active, 0);
});
