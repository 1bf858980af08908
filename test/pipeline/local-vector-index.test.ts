import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exactNearest, unitVectors } from '../../layers/bench/unit-vectors.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { InvalidVectorInputError, type VideoVectors } from '../../layers/pipeline/core/ports/vector-index.js';
import { vectorIndexContract } from './vector-index-contract.js';

function temporaryDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'xclip-lance-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

vectorIndexContract('LanceVectorIndex', async (dimension) => {
  const directory = temporaryDirectory();
  return {
    index: await LanceVectorIndex.open({ directory: directory.path, dimension }),
    close: async () => directory.remove(),
  };
});

function videosOf(data: Float32Array, dimension: number, labelOf: (i: number) => string): VideoVectors[] {
  return Array.from({ length: data.length / dimension }, (_, i) => ({
    videoId: `v${i}`,
    version: { version: 'v1', sequence: '1' },
    entries: [
      {
        vector: data.subarray(i * dimension, (i + 1) * dimension),
        metadata: {
          kind: 'video',
          labels: [labelOf(i)],
          objectKey: `videos/${i}.mp4`,
          completedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    ],
  }));
}

describe('LanceVectorIndex past its index threshold', () => {
  const dimension = 64;
  const count = 6000;
  const data = unitVectors(count, dimension, { seed: 21, clusters: 30 });
  const directory = temporaryDirectory();
  let index: LanceVectorIndex;
  before(async () => {
    index = await LanceVectorIndex.open({ directory: directory.path, dimension, indexFromRows: 4000 });
    const videos = videosOf(data, dimension, (i) => (i % 500 === 0 ? 'rare' : 'common'));
    for (let at = 0; at < count; at += 1000) await index.upsertMany(videos.slice(at, at + 1000));
  });
  after(() => directory.remove());

  it('answers through the approximate index with recall@10 of at least 0.9 on clustered vectors', async () => {
    const queries = unitVectors(30, dimension, { seed: 22, clusters: 30 });
    let found = 0;
    for (let q = 0; q < 30; q++) {
      const query = queries.subarray(q * dimension, (q + 1) * dimension);
      const exact = new Set(exactNearest(data, dimension, query, 10).map((row) => `v${row}`));
      found += (await index.query(query, { k: 10 })).filter((hit) => exact.has(hit.key)).length;
    }
    assert.ok(found / 300 >= 0.9, `recall@10 ${found / 300}`);
  });

  it('still returns k hits for a narrow filter (12 rows of 6000: more partitions than the 20 probed), all matching', async () => {
    const hits = await index.query(data.subarray(0, dimension), { k: 10, filter: { labels: ['rare'] } });
    assert.equal(hits.length, 10);
    assert.ok(hits.every((hit) => hit.metadata.labels.includes('rare')));
    assert.equal(hits[0]!.key, 'v0');
  });

  it('probes more partitions than LanceDB probes by default (20) when asked to', async () => {
    const wider = await LanceVectorIndex.open({
      directory: directory.path,
      dimension,
      indexFromRows: 4000,
      probes: 40,
    });
    const [top] = await wider.query(data.subarray(2 * dimension, 3 * dimension), { k: 1 });
    assert.equal(top!.key, 'v2');
  });

  it('keeps its rows when opened again, and refuses another dimension', async () => {
    const reopened = await LanceVectorIndex.open({ directory: directory.path, dimension, indexFromRows: 4000 });
    const [top] = await reopened.query(data.subarray(dimension, 2 * dimension), { k: 1 });
    assert.equal(top!.key, 'v1');
    await assert.rejects(LanceVectorIndex.open({ directory: directory.path, dimension: 32 }), InvalidVectorInputError);
  });
});
