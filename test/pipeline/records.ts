import assert from 'node:assert/strict';
import { RESULT_SCHEMA_VERSION, type SourceObject, type VideoResult } from '../../layers/pipeline/result-schema.js';
import { artifactKeysFor } from '../../layers/pipeline/storage-keys.js';
import { videoIdFor } from '../../layers/pipeline/video-id.js';
import type { ResultStore } from '../../layers/pipeline/ports/result-store.js';

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
export async function classified(store: ResultStore, key: string, labels: Array<[string, number]>, at: string, version = 'v1', sequence = '0001'): Promise<string> {
  const source = sourceObject(key, version, sequence);
  const id = videoIdFor(source.bucket, key);
  await store.enqueue(id, source, at);
  assert.ok(await store.claim(id, version, at));
  assert.ok(await store.complete(id, version, resultFor(source, labels), EMBEDDING, at));
  return id;
}
