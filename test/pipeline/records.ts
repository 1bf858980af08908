import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotAVideoError } from '../../layers/media/errors.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import type { VideoClassification } from '../../layers/pipeline/core/classifier.js';
import type { Notifier } from '../../layers/pipeline/core/ports/notifier.js';
import type { ResultStore } from '../../layers/pipeline/core/ports/result-store.js';
import type { VideoModel } from '../../layers/pipeline/core/ports/video-model.js';
import {
  RESULT_SCHEMA_VERSION,
  type SourceObject,
  type VideoResult,
} from '../../layers/pipeline/core/result-schema.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { classifyDelivery } from '../../layers/pipeline/core/use-cases/classify.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { customLabelSet } from '../../layers/xclip/label-sets.js';

/** Test helpers that make source objects and results without a model. */
export function sourceObject(key: string, version = 'v1', sequence = '0001', bucket = 'bucket'): SourceObject {
  return { bucket, key, version, sequence };
}

/** A DONE result for `source` with the given top labels (best first) and embedding/token shapes. */
export function resultFor(source: SourceObject, labels: Array<[string, number]>, dims = { P: 4, N: 2 }): VideoResult {
  const keys = artifactKeysFor(source.key);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    videoId: videoIdFor(source.bucket, source.key),
    source,
    status: 'DONE',
    labelSetId: 'k400',
    labels: labels.map(([label, score], index) => ({ label, index, score, logit: score * 10 })),
    video: { durationSeconds: 2, width: 64, height: 48, rotation: 0, codec: 'h264', bytes: 1000 },
    model: { id: 'test', precision: 'fp32', sha256: 'abc' },
    embedding: { key: keys.embedding, dtype: 'float32', shape: [dims.P] },
    visualTokens: { key: keys.visualTokens, dtype: 'float16', shape: [dims.N, dims.P] },
    timings: { downloadMs: 1, decodeMs: 1, visionMs: 1, scoreMs: 1, totalMs: 4 },
    completedAt: new Date(0).toISOString(),
  };
}

export const EMBEDDING = Float32Array.from([1, 0, 0, 0]);

/** Takes `key` through enqueue, claim and complete in `store`; returns its video id. */
export async function classified(
  store: ResultStore,
  key: string,
  labels: Array<[string, number]>,
  at: string,
  version = 'v1',
  sequence = '0001',
): Promise<string> {
  const source = sourceObject(key, version, sequence);
  const id = videoIdFor(source.bucket, key);
  await store.enqueue(id, source, at);
  assert.ok(await store.claim(id, version, at, '2100-01-01T00:00:00.000Z'));
  assert.ok(await store.complete(id, version, resultFor(source, labels), at));
  return id;
}

/** What a stand-in model returns for any file: one label of a two-label set, a 2-dim embedding. */
export const FAKE_CLASSIFICATION: VideoClassification = {
  labelSetId: 'custom',
  labels: [{ label: 'a', index: 0, score: 1, logit: 1 }],
  embedding: Float32Array.of(1, 0),
  visualTokens: new Float32Array(4),
  video: { durationSeconds: 1, width: 2, height: 2, rotation: 0, codec: 'h264', bytes: 5 },
  timings: { decodeMs: 1, visionMs: 1, scoreMs: 1, totalMs: 3 },
};

/** A stand-in VideoModel (projection 2, 2 patches) whose classifyFile is `classifyFile`. */
export function fakeVideoModel(classifyFile: VideoModel['classifyFile'], executionProvider = 'cpu'): VideoModel {
  return {
    model: { id: 'fake', precision: 'fp32', sha256: 'x', executionProvider, projectionDim: 2, patches: 2 },
    classifyFile,
    scoreStored: async () => [],
    textFeatures: async () => new Float32Array(2),
    scoreTexts: async () => new Float32Array(1),
    embedImage: async () => Float32Array.of(1, 0),
  };
}

/**
 * Classifies `keys` in turn, one delivery each, with `notifier` and a stand-in model: good.mp4 ends DONE, bad.mp4
 * FAILED (not a video). Returns the result store (closed by the caller).
 */
export async function settleGoodAndBad(notifier: Notifier, keys: readonly string[]): Promise<SqliteResultStore> {
  const work = mkdtempSync(join(tmpdir(), 'xclip-settle-'));
  mkdirSync(join(work, 'bucket'));
  mkdirSync(join(work, 'scratch'));
  for (const key of ['good.mp4', 'bad.mp4']) writeFileSync(join(work, 'bucket', key), 'bytes');
  const sources = new FsObjectStore(join(work, 'bucket'));
  const deps = {
    model: fakeVideoModel(async (path) => {
      if (path.endsWith('bad.mp4')) throw new NotAVideoError(path, 'no streams');
      return FAKE_CLASSIFICATION;
    }),
    sources,
    artifacts: new FsObjectStore(join(work, 'objects')),
    results: new SqliteResultStore(':memory:'),
    workDir: join(work, 'scratch'),
    vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 }),
    notifier,
  };
  const settings = { labels: customLabelSet(['a', 'b']), top: 1 };
  for (const key of keys) {
    const source = { bucket: sources.bucket, ...(await sources.head(key))! };
    await classifyDelivery(deps, source, settings, { receiveCount: 1, maxReceives: 3 });
  }
  return deps.results;
}

/**
 * Classification over folders of `work`: the videos in `bucketDir`, artifacts, SQLite results, the vector index and
 * scratch beside.
 */
export async function folderDeps<Model extends VideoModel>(work: string, bucketDir: string, model: Model) {
  return {
    model,
    sources: new FsObjectStore(bucketDir),
    artifacts: new FsObjectStore(join(work, 'objects')),
    results: new SqliteResultStore(join(work, 'results.db')),
    vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: model.model.projectionDim }),
    workDir: join(work, 'scratch'),
  };
}
