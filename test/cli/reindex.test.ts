import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { S3VectorIndex } from '../../layers/pipeline/adapters/aws/s3-vector-index.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import type { ObjectStore } from '../../layers/pipeline/core/ports/object-store.js';
import type { ResultStore } from '../../layers/pipeline/core/ports/result-store.js';
import type { VectorIndex } from '../../layers/pipeline/core/ports/vector-index.js';
import { writeResultDocument } from '../../layers/pipeline/core/result-document.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { encodeFloat16, encodeFloat32 } from '../../layers/pipeline/core/tensor-codec.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { resultFor, sourceObject } from '../pipeline/records.js';
import { runXclip } from './run-xclip.js';

const P = 4;
const AT = '2026-06-01T00:00:00.000Z';
const unit = (angle: number) => Float32Array.from([Math.cos(angle), Math.sin(angle), 0, 0]);

/**
 * What a pipeline leaves behind, without its index: three DONE videos (one with two timeline windows), a document
 * whose version later FAILED and one whose newer version is QUEUED. `bucket` is the bucket the sources came from.
 */
async function seed(artifacts: ObjectStore, results: ResultStore, bucket: string): Promise<string[]> {
  const done: string[] = [];
  for (const [i, key] of [
    'videos/a.mp4',
    'videos/b.mp4',
    'videos/windows.mp4',
    'failed.mp4',
    'requeued.mp4',
  ].entries()) {
    const source = sourceObject(key, 'v1', '0001', bucket);
    const id = videoIdFor(bucket, key);
    const base = resultFor(source, [['surfing water', 0.5]], { P, N: 2 });
    const result =
      key === 'videos/windows.mp4'
        ? {
            ...base,
            segments: {
              embeddings: { key: artifactKeysFor(key).segments, dtype: 'float32' as const, shape: [2, P] },
              spans: [
                { startSeconds: 0, endSeconds: 1 },
                { startSeconds: 1, endSeconds: 2 },
              ],
            },
          }
        : base;
    const embedding = unit(i);
    await artifacts.put(result.embedding.key, encodeFloat32(embedding), 'application/octet-stream');
    await artifacts.put(result.visualTokens.key, encodeFloat16(new Float32Array(2 * P)), 'application/octet-stream');
    if (result.segments) {
      const windows = new Float32Array(2 * P);
      windows.set(unit(i + 0.1), 0);
      windows.set(unit(i + 0.2), P);
      await artifacts.put(result.segments.embeddings.key, encodeFloat32(windows), 'application/octet-stream');
    }
    await writeResultDocument(artifacts, result);
    await results.enqueue(id, source, AT);
    await results.claim(id, 'v1', AT, '2100-01-01T00:00:00.000Z');
    if (key === 'failed.mp4') {
      await results.fail(id, 'v1', { code: 'NOT_A_VIDEO', message: 'not a video' }, AT);
      continue;
    }
    await results.complete(id, 'v1', result, AT);
    if (key === 'requeued.mp4') await results.enqueue(id, sourceObject(key, 'v2', '0002', bucket), AT);
    else done.push(id);
  }
  return done;
}

/** Every vector of the index, by video id (the index is small enough for one query). */
async function indexed(index: VectorIndex): Promise<Map<string, number>> {
  const byVideo = new Map<string, number>();
  for (const hit of await index.query(unit(0), { k: 100 }))
    byVideo.set(hit.videoId, (byVideo.get(hit.videoId) ?? 0) + 1);
  return byVideo;
}

const EXPECTED = { documents: 5, indexed: 3, stale: 0, skipped: 2 };

test('reindex builds the index of a local data folder from its results, and again without duplicates', async () => {
  const data = mkdtempSync(join(tmpdir(), 'xclip-reindex-'));
  mkdirSync(join(data, 'objects'));
  const results = new SqliteResultStore(join(data, 'results.db'));
  const done = await seed(new FsObjectStore(join(data, 'objects')), results, 'watched');
  results.close();

  for (let run = 0; run < 2; run++) {
    const { code, stdout, stderr } = await runXclip('reindex', '--data', data, '--json');
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), EXPECTED);
  }
  const index = await LanceVectorIndex.open({ directory: join(data, 'vectors'), dimension: P });
  const vectors = await indexed(index);
  assert.deepEqual([...vectors.keys()].sort(), [...done].sort(), 'DONE versions only');
  assert.equal(vectors.get(videoIdFor('watched', 'videos/windows.mp4')), 3, 'the video and its two windows');
  assert.equal(vectors.get(videoIdFor('watched', 'videos/a.mp4')), 1);
});

test('reindex of a folder without results writes nothing', async () => {
  const data = mkdtempSync(join(tmpdir(), 'xclip-reindex-empty-'));
  const { code, stdout } = await runXclip('reindex', '--data', data, '--json');
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), { documents: 0, indexed: 0, stale: 0, skipped: 0 });
});

describe('on a deployment (s3rver, dynalite, the S3 Vectors stand-in)', () => {
  let aws: LocalAws;
  let vectorIndex: LocalVectorIndex;
  before(async () => {
    aws = await startLocalAws();
    vectorIndex = await startLocalVectorIndex(P);
  });
  after(async () => {
    await vectorIndex.close();
    await aws.close();
  });

  test('reindex s3://bucket fills the S3 Vectors index from the bucket and the table, in batches, idempotently', async () => {
    const done = await seed(
      new S3ObjectStore(aws.clients.s3, aws.bucket),
      new DynamoResultStore(aws.clients.dynamo, aws.table),
      aws.bucket,
    );
    const args = ['reindex', `s3://${aws.bucket}`, '--table', aws.table, '--dimension', String(P), '--json'];
    for (let run = 0; run < 2; run++) {
      const { code, stdout, stderr } = await runXclip(...args);
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout), EXPECTED);
    }
    const client = new S3VectorsClient({});
    try {
      const index = new S3VectorIndex({
        client,
        target: {
          vectorBucketName: vectorIndex.env.VECTOR_BUCKET_NAME!,
          indexName: vectorIndex.env.VECTOR_INDEX_NAME!,
        },
        dimension: P,
      });
      const vectors = await indexed(index);
      assert.deepEqual([...vectors.keys()].sort(), [...done].sort());
      assert.equal(vectors.get(videoIdFor(aws.bucket, 'videos/windows.mp4')), 3);
    } finally {
      client.destroy();
    }
    // The index and its dimension from $VECTOR_BUCKET_NAME, $VECTOR_INDEX_NAME and $VECTOR_DIMENSION, as functions read them.
    const fromEnvironment = await runXclip('reindex', `s3://${aws.bucket}`, '--table', aws.table, '--json');
    assert.equal(fromEnvironment.code, 0, fromEnvironment.stderr);
    assert.deepEqual(JSON.parse(fromEnvironment.stdout), EXPECTED);
  });
});
