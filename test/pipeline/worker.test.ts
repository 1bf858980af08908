import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { MemoryQueue } from '../../layers/pipeline/adapters/local/memory-queue.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { Worker } from '../../layers/pipeline/adapters/local/worker.js';
import type { VideoModel } from '../../layers/pipeline/core/ports/video-model.js';
import type { SourceObject } from '../../layers/pipeline/core/result-schema.js';
import { classifyDelivery, classifyObject } from '../../layers/pipeline/core/use-cases/classify.js';
import { ingestObject } from '../../layers/pipeline/core/use-cases/ingest.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { customLabelSet } from '../../layers/xclip/label-sets.js';
import { FAKE_CLASSIFICATION, fakeVideoModel } from './records.js';

/** A model whose classifyFile fails the first `failures` times with an unexpected (transient) error. */
function flakyModel(failures: number): VideoModel & { calls: number } {
  let calls = 0;
  const model = fakeVideoModel(async () => {
    if (calls++ < failures) throw new Error('onnxruntime hiccup');
    return FAKE_CLASSIFICATION;
  });
  return {
    ...model,
    get calls() {
      return calls;
    },
  };
}

async function runUntilSettled(failures: number) {
  const work = mkdtempSync(join(tmpdir(), 'xclip-worker-'));
  mkdirSync(join(work, 'bucket'));
  mkdirSync(join(work, 'scratch'));
  writeFileSync(join(work, 'bucket', 'v.mp4'), 'bytes');
  const model = flakyModel(failures);
  const queue = new MemoryQueue<SourceObject>({ maxReceives: 3 });
  const sources = new FsObjectStore(join(work, 'bucket'));
  const deps = {
    model,
    sources,
    artifacts: new FsObjectStore(join(work, 'objects')),
    results: new SqliteResultStore(':memory:'),
    vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 }),
    workDir: join(work, 'scratch'),
  };
  const settings = { labels: customLabelSet(['a', 'b']), top: 1 };
  await ingestObject(deps.results, queue, sources.bucket, (await sources.head('v.mp4'))!, new Date().toISOString());
  const worker = new Worker<SourceObject>({
    queue,
    retryDelayMs: 1,
    pollMs: 20,
    handle: async (source, message) =>
      void (await classifyDelivery(deps, source, settings, {
        receiveCount: message.receiveCount,
        maxReceives: queue.maxReceives,
      })),
  });
  worker.start();
  const id = videoIdFor(sources.bucket, 'v.mp4');
  for (let i = 0; i < 200; i++) {
    const status = (await deps.results.get(id))?.status;
    if (status === 'DONE' || status === 'FAILED') break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await worker.stop();
  return { record: (await deps.results.get(id))!, queue, calls: model.calls };
}

test('a transient error is retried and the next delivery completes the video', async () => {
  const { record, queue, calls } = await runUntilSettled(1);
  assert.equal(record.status, 'DONE');
  assert.equal(record.attempts, 2);
  assert.equal(calls, 2);
  assert.deepEqual(queue.stats(), { visible: 0, inFlight: 0, deadLetters: 0 });
});

test('an error on every delivery ends FAILED (retryable, details kept from clients) and a dead letter, after maxReceives tries', async () => {
  const { record, queue, calls } = await runUntilSettled(Number.POSITIVE_INFINITY);
  assert.equal(record.status, 'FAILED');
  assert.equal(record.error!.code, 'INTERNAL');
  assert.equal(record.error!.retryable, true);
  assert.doesNotMatch(record.error!.message, /onnxruntime hiccup/);
  assert.equal(calls, 3);
  assert.equal(queue.deadLetters.length, 1);
});

test('a newer version that arrives during classification keeps its record, and the old result writes nothing', async () => {
  const work = mkdtempSync(join(tmpdir(), 'xclip-worker-'));
  mkdirSync(join(work, 'bucket'));
  mkdirSync(join(work, 'scratch'));
  writeFileSync(join(work, 'bucket', 'v.mp4'), 'bytes');
  const sources = new FsObjectStore(join(work, 'bucket'));
  const artifacts = new FsObjectStore(join(work, 'objects'));
  const results = new SqliteResultStore(':memory:');
  const old = { bucket: sources.bucket, ...(await sources.head('v.mp4'))! };
  const newer = { ...old, version: 'newer', sequence: `${old.sequence}9` };
  const model = flakyModel(0);
  const classifyFile = model.classifyFile.bind(model);
  model.classifyFile = async (...args) => {
    await results.enqueue(videoIdFor(old.bucket, old.key), newer, new Date().toISOString());
    return classifyFile(...args);
  };
  const vectors = await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 });
  const outcome = await classifyObject(
    { model, sources, artifacts, results, vectors, workDir: join(work, 'scratch') },
    old,
    {
      labels: customLabelSet(['a', 'b']),
      top: 1,
    },
  );
  assert.equal(outcome.status, 'SKIPPED');
  const record = (await results.get(outcome.id))!;
  assert.deepEqual([record.status, record.source.version], ['QUEUED', 'newer']);
  const written = [];
  for await (const object of artifacts.list()) written.push(object.key);
  assert.deepEqual(written, []);
});
