import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exactNearest, unitVectors } from '../../layers/bench/unit-vectors.js';
import {
  InvalidVectorInputError,
  MAX_QUERY_K,
  type VectorEntry,
  type VectorIndex,
  type VectorMetadata,
  type VectorVersion,
} from '../../layers/pipeline/core/ports/vector-index.js';

/** A fresh, empty index of `dimension` and how to let go of it. */
export interface OpenedIndex {
  index: VectorIndex;
  close(): Promise<void>;
}

const DIMENSION = 16;
const version = (n: number): VectorVersion => ({ version: `v${n}`, sequence: String(n).padStart(8, '0') });

/** Vector i of a fixed set of unit vectors: distinct, repeatable. */
const vectors = unitVectors(64, DIMENSION, { seed: 7 });
const vector = (i: number) => vectors.subarray(i * DIMENSION, (i + 1) * DIMENSION);

function videoEntry(i: number, metadata: Partial<VectorMetadata> = {}): VectorEntry {
  return {
    vector: vector(i),
    metadata: {
      kind: 'video',
      labels: ['surfing'],
      objectKey: 'videos/beach/a.mp4',
      completedAt: '2026-01-01T00:00:00.000Z',
      ...metadata,
    } as VectorMetadata,
  };
}

function segmentEntry(i: number, segmentIndex: number, startSeconds: number, endSeconds: number): VectorEntry {
  return {
    vector: vector(i),
    metadata: {
      kind: 'segment',
      segmentIndex,
      startSeconds,
      endSeconds,
      labels: ['surfing'],
      objectKey: 'videos/beach/a.mp4',
      completedAt: '2026-01-01T00:00:00.000Z',
    },
  };
}

async function keysOf(index: VectorIndex, query: Float32Array, options: Parameters<VectorIndex['query']>[1]) {
  return (await index.query(query, options)).map((hit) => hit.key).sort();
}

/**
 * What every VectorIndex must do, run against a real adapter: `open` gives a fresh, empty index of the
 * dimension asked for (each test opens its own).
 */
export function vectorIndexContract(name: string, open: (dimension: number) => Promise<OpenedIndex>): void {
  describe(`${name} (VectorIndex contract)`, () => {
    let opened: OpenedIndex;
    let index: VectorIndex;
    before(async () => {
      opened = await open(DIMENSION);
      index = opened.index;
    });
    after(() => opened.close());

    it('returns an upserted video with its metadata, best first, similarities as cosine', async () => {
      assert.equal(await index.upsert('a', version(1), [videoEntry(0)]), 'written');
      assert.equal(await index.upsert('b', version(1), [videoEntry(1, { labels: ['cooking', 'baking'] })]), 'written');
      const hits = await index.query(vector(0), { k: 2 });
      assert.deepEqual(
        hits.map((hit) => hit.key),
        ['a', 'b'],
      );
      assert.equal(hits[0]!.videoId, 'a');
      assert.ok(Math.abs(hits[0]!.similarity - 1) < 1e-4);
      let dot = 0;
      for (let i = 0; i < DIMENSION; i++) dot += vector(0)[i]! * vector(1)[i]!;
      assert.ok(Math.abs(hits[1]!.similarity - dot) < 1e-4, `${hits[1]!.similarity} vs ${dot}`);
      assert.deepEqual(hits[1]!.metadata, {
        kind: 'video',
        labels: ['cooking', 'baking'],
        objectKey: 'videos/beach/a.mp4',
        completedAt: '2026-01-01T00:00:00.000Z',
      });
      await index.delete('a');
      await index.delete('b');
    });

    it("keys segments as <videoId>#<index> and replaces all of a video's vectors with a newer version", async () => {
      await index.upsert('c', version(1), [videoEntry(2), segmentEntry(3, 0, 0, 5), segmentEntry(4, 1, 5, 10)]);
      assert.deepEqual(await keysOf(index, vector(2), { k: 10 }), ['c', 'c#0', 'c#1']);
      const segment = (await index.query(vector(4), { k: 1 }))[0]!;
      assert.deepEqual(segment, {
        key: 'c#1',
        videoId: 'c',
        similarity: segment.similarity,
        metadata: { ...segmentEntry(4, 1, 5, 10).metadata },
      });

      assert.equal(
        await index.upsert('c', version(2), [videoEntry(5, { labels: ['diving'] }), segmentEntry(6, 0, 0, 8)]),
        'written',
      );
      assert.deepEqual(await keysOf(index, vector(5), { k: 10 }), ['c', 'c#0']);
      const [video] = await index.query(vector(5), { k: 1 });
      assert.deepEqual(video!.metadata.labels, ['diving']);
      await index.delete('c');
    });

    it('never lets an older version replace a newer one, and a redelivery never duplicates', async () => {
      await index.upsert('d', version(5), [videoEntry(7), segmentEntry(8, 0, 0, 4)]);
      assert.equal(await index.upsert('d', version(4), [videoEntry(9)]), 'stale');
      assert.equal(await index.upsert('d', version(5), [videoEntry(7), segmentEntry(8, 0, 0, 4)]), 'written');
      assert.deepEqual(await keysOf(index, vector(7), { k: 10 }), ['d', 'd#0']);
      const [top] = await index.query(vector(7), { k: 1 });
      assert.equal(top!.key, 'd');
      assert.ok(top!.similarity > 0.9999, 'the newer vector stays');

      const outcomes = await index.upsertMany([
        { videoId: 'd', version: version(3), entries: [videoEntry(9)] },
        { videoId: 'e', version: version(1), entries: [videoEntry(10)] },
      ]);
      assert.deepEqual(outcomes, ['stale', 'written']);
      assert.deepEqual(await keysOf(index, vector(7), { k: 10 }), ['d', 'd#0', 'e']);
      await index.delete('d');
      await index.delete('e');
    });

    it('deletes every vector of a video, but not a newer version than the one named', async () => {
      await index.upsert('f', version(2), [videoEntry(11), segmentEntry(12, 0, 0, 3)]);
      await index.upsert('g', version(1), [videoEntry(13)]);
      await index.delete('f', version(1));
      assert.deepEqual(await keysOf(index, vector(11), { k: 10 }), ['f', 'f#0', 'g']);
      await index.delete('f', version(2));
      assert.deepEqual(await keysOf(index, vector(11), { k: 10 }), ['g']);
      await index.delete('missing');
      await index.delete('g');
      assert.deepEqual(await index.query(vector(11), { k: 10 }), []);
    });

    describe('filters pushed into the query', () => {
      before(async () => {
        await index.upsertMany([
          {
            videoId: 'beach',
            version: version(1),
            entries: [
              videoEntry(20, { labels: ['surfing', 'swimming'], completedAt: '2026-03-01T00:00:00.000Z' }),
              segmentEntry(21, 0, 0, 10),
              segmentEntry(22, 1, 10, 20),
            ],
          },
          {
            videoId: 'kitchen',
            version: version(1),
            entries: [
              videoEntry(23, {
                labels: ['cooking'],
                objectKey: 'videos/home/kitchen.mp4',
                completedAt: '2026-05-01T00:00:00.000Z',
              }),
            ],
          },
          {
            videoId: 'top',
            version: version(1),
            entries: [videoEntry(24, { labels: [], objectKey: 'top.mp4', completedAt: '2026-07-01T00:00:00.000Z' })],
          },
        ]);
      });
      after(async () => {
        for (const videoId of ['beach', 'kitchen', 'top']) await index.delete(videoId);
      });

      const query = (filter: Parameters<VectorIndex['query']>[1]['filter'], excludeVideoId?: string) =>
        keysOf(index, vector(20), { k: 10, filter, ...(excludeVideoId ? { excludeVideoId } : {}) });

      it('by label: any of those named', async () => {
        assert.deepEqual(await query({ labels: ['cooking', 'swimming'] }), ['beach', 'kitchen']);
        assert.deepEqual(await query({ labels: ['no such label'] }), []);
      });

      it('by folder of the object key', async () => {
        assert.deepEqual(await query({ keyPrefix: 'videos/home/' }), ['kitchen']);
        assert.deepEqual(await query({ keyPrefix: 'videos/' }), ['beach', 'beach#0', 'beach#1', 'kitchen']);
        assert.deepEqual(await query({ keyPrefix: 'videos/be/' }), []);
      });

      it('by completion time, from inclusive to exclusive', async () => {
        assert.deepEqual(await query({ completedAt: { from: '2026-03-01T00:00:00Z', to: '2026-07-01T00:00:00Z' } }), [
          'beach',
          'kitchen',
        ]);
        assert.deepEqual(await query({ completedAt: { from: '2026-04-01T00:00:00Z' } }), ['kitchen', 'top']);
        assert.deepEqual(await query({ completedAt: { to: '2026-03-01T00:00:00Z' } }), ['beach#0', 'beach#1']);
      });

      it('by kind, and segments by the span of the video they overlap', async () => {
        assert.deepEqual(await query({ kind: 'video' }), ['beach', 'kitchen', 'top']);
        assert.deepEqual(await query({ kind: 'segment' }), ['beach#0', 'beach#1']);
        assert.deepEqual(await query({ span: { fromSeconds: 12 } }), ['beach#1']);
        assert.deepEqual(await query({ span: { fromSeconds: 5, toSeconds: 10 } }), ['beach#0']);
        assert.deepEqual(await query({ span: {} }), ['beach#0', 'beach#1']);
      });

      it('leaves out a video, and combines conditions', async () => {
        assert.deepEqual(await query(undefined, 'beach'), ['kitchen', 'top']);
        assert.deepEqual(await query({ labels: ['surfing'], kind: 'segment', span: { toSeconds: 10 } }), ['beach#0']);
      });
    });

    describe('refuses bad input with InvalidVectorInputError', () => {
      const refused = (action: () => Promise<unknown>, why: RegExp) =>
        assert.rejects(action, (error: unknown) => {
          assert.ok(error instanceof InvalidVectorInputError, String(error));
          assert.equal(error.code, 'INVALID_VECTOR_INPUT');
          assert.match(error.message, why);
          return true;
        });

      it('k outside 1..100', async () => {
        for (const k of [0, MAX_QUERY_K + 1, 1.5, Number.NaN]) await refused(() => index.query(vector(0), { k }), /k /);
      });

      it('a vector of another dimension, with a value that is not finite, or not of unit length', async () => {
        await refused(
          () => index.query(new Float32Array(DIMENSION + 1).fill(1 / Math.sqrt(DIMENSION + 1)), { k: 1 }),
          /dimension/,
        );
        const withNaN = Float32Array.from(vector(0));
        withNaN[3] = Number.NaN;
        await refused(() => index.query(withNaN, { k: 1 }), /not finite/);
        await refused(() => index.upsert('x', version(1), [{ ...videoEntry(0), vector: withNaN }]), /not finite/);
        await refused(
          () => index.upsert('x', version(1), [{ ...videoEntry(0), vector: new Float32Array(DIMENSION) }]),
          /unit/,
        );
        await refused(
          () => index.upsert('x', version(1), [{ ...videoEntry(0), vector: vector(0).subarray(1) }]),
          /dimension/,
        );
      });

      it('unknown filter fields and unusable filter values', async () => {
        const query = (filter: unknown) => index.query(vector(0), { k: 1, filter: filter as never });
        await refused(() => query({ label: ['surfing'] }), /unknown field "label"/);
        await refused(() => query({ completedAt: { after: '2026-01-01T00:00:00Z' } }), /unknown field "after"/);
        await refused(() => query({ keyPrefix: 'videos' }), /folder/);
        await refused(() => query({ completedAt: { from: 'yesterday' } }), /ISO 8601/);
        await refused(() => query({ kind: 'clip' }), /video or segment/);
        await refused(() => query({ labels: [] }), /label/);
        await refused(() => index.query(vector(0), { k: 1, limit: 3 } as never), /unknown field "limit"/);
      });

      it('a video without exactly one video vector, or with segments not numbered 0..n-1', async () => {
        await refused(() => index.upsert('x', version(1), [segmentEntry(0, 0, 0, 1)]), /0 video vectors/);
        await refused(() => index.upsert('x', version(1), [videoEntry(0), videoEntry(1)]), /2 video vectors/);
        await refused(
          () => index.upsert('x', version(1), [videoEntry(0), segmentEntry(1, 1, 0, 1)]),
          /segment indices/,
        );
        await refused(() => index.upsert('x#1', version(1), [videoEntry(0)]), /video id/);
        await refused(
          () =>
            index.upsertMany([
              { videoId: 'x', version: version(1), entries: [videoEntry(0)] },
              { videoId: 'x', version: version(2), entries: [videoEntry(1)] },
            ]),
          /twice/,
        );
        assert.deepEqual(await index.query(vector(0), { k: 10 }), [], 'nothing refused was written');
      });
    });
  });

  describe(`${name} (VectorIndex contract: recall against exact search)`, () => {
    const dimension = 32;
    const count = 2000;
    let opened: OpenedIndex;
    before(async () => {
      opened = await open(dimension);
    });
    after(() => opened.close());

    it('finds at least 95% of the exact 10 nearest among 2000 clustered vectors', async () => {
      const data = unitVectors(count, dimension, { seed: 11, clusters: 20 });
      const videos = Array.from({ length: count }, (_, i) => ({
        videoId: `v${i}`,
        version: version(1),
        entries: [{ ...videoEntry(0), vector: data.subarray(i * dimension, (i + 1) * dimension) }],
      }));
      for (let at = 0; at < count; at += 500) await opened.index.upsertMany(videos.slice(at, at + 500));
      const queries = unitVectors(20, dimension, { seed: 12, clusters: 20 });
      let found = 0;
      for (let q = 0; q < 20; q++) {
        const query = queries.subarray(q * dimension, (q + 1) * dimension);
        const exact = new Set(exactNearest(data, dimension, query, 10).map((i) => `v${i}`));
        const hits = await opened.index.query(query, { k: 10 });
        assert.equal(hits.length, 10);
        found += hits.filter((hit) => exact.has(hit.key)).length;
      }
      assert.ok(found / 200 >= 0.95, `recall@10 ${found / 200}`);
    });
  });
}
