import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapConcurrently } from '../common/concurrency.js';
import { FsObjectStore, LanceVectorIndex, SqliteResultStore } from '../pipeline/adapters/local/index.js';
import {
  artifactKeysFor,
  encodeFloat32,
  type SourceObject,
  VideoClassifier,
  type VideoResult,
  videoIdFor,
  videoVectorsOf,
} from '../pipeline/core/index.js';
import { LocalPipeline, localArtifactsDir, localVectorIndexDir } from '../pipeline/runtimes/local/index.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from '../xclip/label-sets.js';
import { percentile } from './query-measurement.js';
import { timeRuns } from './timing.js';
import { unitVectorSource } from './unit-vectors.js';

export interface SearchApiBenchOptions {
  modelDir: string;
  /** DONE videos seeded into the store and the index. */
  videos: number;
  /** Timed requests after one warm-up. */
  queries: number;
  threads?: number;
  onProgress?: (message: string) => void;
}

export interface SearchApiBenchResult {
  model: string;
  precision: string;
  videos: number;
  dimension: number;
  k: number;
  seedSeconds: number;
  queries: number;
  /** POST /search with a text, over HTTP to the local server, end to end. */
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
}

const BUCKET = 'bench';
const LOAD_BATCH = 1_000;
/** Embedding files written at once while seeding. */
const WRITE_CONCURRENCY = 32;
const K = 10;
/** Queries cycled through: the text encoder's work does not depend on the words, the candidates do. */
const TEXTS = ['surfing a wave', 'a dog catching a frisbee', 'cooking pasta', 'playing guitar on stage'];

function resultOf(source: SourceObject, dims: { P: number; N: number }, tokensKey: string, at: string): VideoResult {
  return {
    schemaVersion: 1,
    videoId: videoIdFor(source.bucket, source.key),
    source,
    status: 'DONE',
    labelSetId: 'k400',
    labels: [{ label: 'surfing water', index: 0, score: 0.5, logit: 5 }],
    video: { durationSeconds: 10, width: 1280, height: 720, rotation: 0, codec: 'h264', bytes: 1_000_000 },
    model: { id: 'bench', precision: 'int8', sha256: '0'.repeat(64) },
    embedding: { key: artifactKeysFor(source.key).embedding, dtype: 'float32', shape: [dims.P] },
    visualTokens: { key: tokensKey, dtype: 'float32', shape: [dims.N, dims.P] },
    timings: { downloadMs: 0, decodeMs: 0, visionMs: 0, scoreMs: 0, totalMs: 0 },
    completedAt: at,
  };
}

/**
 * A serve data folder with `count` DONE videos, written as classification writes them (record, embedding, vectors)
 * but with seeded clustered unit vectors for embeddings and one shared set of visual tokens (the score graph's
 * cost does not depend on their values; 100 KB a video would only fill the disk).
 */
async function seedArchive(dataDir: string, count: number, dims: { P: number; N: number }, log: (m: string) => void) {
  const results = new SqliteResultStore(join(dataDir, 'results.db'));
  const artifacts = new FsObjectStore(localArtifactsDir(dataDir));
  const vectors = await LanceVectorIndex.open({ directory: localVectorIndexDir(dataDir), dimension: dims.P });
  const embeddings = unitVectorSource(dims.P, { seed: 11, clusters: 256 });
  const tokensKey = 'tokens/shared.f32';
  const tokens = unitVectorSource(dims.P, { seed: 12 })(dims.N);
  await artifacts.put(tokensKey, encodeFloat32(tokens), 'application/octet-stream');
  const at = new Date().toISOString();
  try {
    for (let start = 0; start < count; start += LOAD_BATCH) {
      const batch = Math.min(LOAD_BATCH, count - start);
      const rows = embeddings(batch);
      const seeded = Array.from({ length: batch }, (_, i) => {
        const source = { bucket: BUCKET, key: `videos/${start + i}.mp4`, version: 'v1', sequence: '0001' };
        return {
          result: resultOf(source, dims, tokensKey, at),
          embedding: rows.subarray(i * dims.P, (i + 1) * dims.P),
        };
      });
      await mapConcurrently(seeded, WRITE_CONCURRENCY, ({ result, embedding }) =>
        artifacts.put(result.embedding.key, encodeFloat32(embedding), 'application/octet-stream'),
      );
      for (const { result } of seeded) {
        await results.enqueue(result.videoId, result.source, at);
        await results.claim(result.videoId, 'v1', at, '2100-01-01T00:00:00.000Z');
        await results.complete(result.videoId, 'v1', result, at);
      }
      await vectors.upsertMany(seeded.map(({ result, embedding }) => videoVectorsOf(result, embedding)));
      log(`seeded ${start + batch} of ${count} videos`);
    }
    await vectors.settle();
  } finally {
    results.close();
  }
}

/**
 * `POST /search` end to end on the local server (`xclip serve`'s LocalPipeline, listening on loopback) over an
 * archive of `videos` DONE videos: the text encoder, the index's candidates, the records and tensors read, the
 * score graph on each candidate.
 */
export async function benchmarkSearchApi(options: SearchApiBenchOptions): Promise<SearchApiBenchResult> {
  const log = options.onProgress ?? (() => {});
  const probe = await VideoClassifier.load({ modelDir: options.modelDir, threads: options.threads });
  const { model } = probe;
  await probe.release();
  const dataDir = mkdtempSync(join(tmpdir(), 'xclip-search-api-bench-'));
  try {
    const seeded = performance.now();
    await seedArchive(dataDir, options.videos, { P: model.projectionDim, N: model.patches }, log);
    const seedSeconds = (performance.now() - seeded) / 1000;
    const pipeline = await LocalPipeline.start({
      modelDir: options.modelDir,
      dataDir,
      dbPath: join(dataDir, 'results.db'),
      settings: { labels: resolveLabelSet(DEFAULT_LABEL_SET), top: 5 },
      threads: options.threads,
      listen: { port: 0, host: '127.0.0.1' },
      log: () => {},
    });
    let query = 0;
    const search = async () => {
      const response = await fetch(`http://127.0.0.1:${pipeline.port}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: TEXTS[query++ % TEXTS.length], k: K }),
      });
      const body = (await response.json()) as { items?: unknown[] };
      if (response.status !== 200 || body.items?.length !== K)
        throw new Error(`POST /search answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
    };
    try {
      log(`timing ${options.queries} searches`);
      const sorted = (await timeRuns(options.queries, search)).runsMs.sort((a, b) => a - b);
      return {
        model: model.id,
        precision: model.precision,
        videos: options.videos,
        dimension: model.projectionDim,
        k: K,
        seedSeconds,
        queries: options.queries,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      };
    } finally {
      await pipeline.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
