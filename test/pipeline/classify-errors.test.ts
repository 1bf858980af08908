import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { classifyObject } from '../../layers/pipeline/core/use-cases/classify.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { customLabelSet } from '../../layers/xclip/label-sets.js';
import { FAKE_CLASSIFICATION, fakeVideoModel } from './records.js';

test('when the store fails to complete and then to release, the delivery reports the first failure; the claim waits for its lease', async () => {
  const work = mkdtempSync(join(tmpdir(), 'xclip-classify-errors-'));
  mkdirSync(join(work, 'bucket'));
  mkdirSync(join(work, 'scratch'));
  writeFileSync(join(work, 'bucket', 'clip.mp4'), 'bytes');
  const sources = new FsObjectStore(join(work, 'bucket'));
  const store = new SqliteResultStore(':memory:');
  const results = Object.assign(Object.create(store) as SqliteResultStore, {
    complete: async () => {
      throw new Error('complete: the store is down');
    },
    release: async () => {
      throw new Error('release: the store is down');
    },
  });
  const source = { bucket: sources.bucket, ...(await sources.head('clip.mp4'))! };
  await assert.rejects(
    classifyObject(
      {
        model: fakeVideoModel(async () => FAKE_CLASSIFICATION),
        sources,
        artifacts: new FsObjectStore(join(work, 'objects')),
        results,
        workDir: join(work, 'scratch'),
        vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 }),
      },
      source,
      { labels: customLabelSet(['a', 'b']), top: 1 },
    ),
    /complete: the store is down/,
  );
  const record = await store.get(videoIdFor(sources.bucket, 'clip.mp4'));
  assert.equal(record?.status, 'PROCESSING', 'the claim stays until its lease ends');
  assert.ok(record?.leaseUntil);
  store.close();
});
