import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceVectorIndex } from '../pipeline/adapters/local/index.js';
import type { VideoVectors } from '../pipeline/core/index.js';
import { ExactNearest, unitVectorSource, VECTOR_DISTRIBUTIONS, type VectorDistribution } from './unit-vectors.js';

/** One row of `xclip bench --search --json`. */
export interface SearchBenchRow {
  vectors: number;
  distribution: VectorDistribution;
  /** Query latency of k = 10, no filter, right after the inserts (rows past the last upkeep still unindexed). */
  p50Ms: number;
  p99Ms: number;
  /** Share of the exact 10 nearest (by brute force over the same vectors) that the index returned. */
  recallAt10: number;
  /** The same queries once every row is folded into the index (`LanceVectorIndex.settle`). */
  settled: QueryMeasurement;
  /** Vectors per second through upsertMany in batches, index building and compaction included. */
  insertPerSecond: number;
  /** Resident memory of this process after the queries, and its peak so far (insertion and training included). */
  rssMb: number;
  peakRssMb: number;
}

export interface QueryMeasurement {
  p50Ms: number;
  p99Ms: number;
  recallAt10: number;
}

export interface SearchBenchResult {
  engine: string;
  dimension: number;
  queries: number;
  search: SearchBenchRow[];
}

export interface SearchBenchOptions {
  sizes: number[];
  distributions?: VectorDistribution[];
  dimension?: number;
  queries?: number;
  /** Videos per upsertMany call. */
  batch?: number;
  onProgress?: (message: string) => void;
}

/** Clusters of the clustered distribution: about a thousand vectors each at the smallest size benchmarked. */
const CLUSTERS = 10;
const WARM_UP_QUERIES = 5;

/** The value at quantile `p` of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20);

function videosOf(batch: Float32Array, dimension: number, firstRow: number): VideoVectors[] {
  return Array.from({ length: batch.length / dimension }, (_, at) => ({
    videoId: `v${firstRow + at}`,
    version: { version: '1', sequence: '1' },
    entries: [
      {
        vector: batch.subarray(at * dimension, (at + 1) * dimension),
        metadata: {
          kind: 'video',
          labels: [`label${(firstRow + at) % 400}`],
          objectKey: `videos/${firstRow + at}.mp4`,
          completedAt: new Date(Date.UTC(2026, 0, 1) + (firstRow + at) * 1000).toISOString(),
        },
      },
    ],
  }));
}

/** k = 10 queries after a few warm-up ones: latency percentiles and recall against the exact nearest. */
async function measureQueries(
  index: LanceVectorIndex,
  queries: Float32Array,
  exact: ExactNearest,
): Promise<QueryMeasurement> {
  const { dimension } = exact;
  const count = queries.length / dimension;
  const query = (q: number) => index.query(queries.subarray(q * dimension, (q + 1) * dimension), { k: 10 });
  for (let q = 0; q < WARM_UP_QUERIES; q++) await query(q);
  const latencies: number[] = [];
  let found = 0;
  for (let q = 0; q < count; q++) {
    const started = performance.now();
    const hits = await query(q);
    latencies.push(performance.now() - started);
    const truth = new Set(exact.nearest(q).map((row) => `v${row}`));
    found += hits.filter((hit) => truth.has(hit.key)).length;
  }
  latencies.sort((a, b) => a - b);
  return { p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), recallAt10: found / (count * 10) };
}

async function benchmarkOne(
  vectors: number,
  distribution: VectorDistribution,
  options: Required<Omit<SearchBenchOptions, 'sizes' | 'distributions' | 'onProgress'>> &
    Pick<SearchBenchOptions, 'onProgress'>,
): Promise<SearchBenchRow> {
  const { dimension, batch } = options;
  const clusters = distribution === 'clustered' ? CLUSTERS : 0;
  const directory = mkdtempSync(join(tmpdir(), 'xclip-search-bench-'));
  try {
    const index = await LanceVectorIndex.open({ directory, dimension });
    const queries = unitVectorSource(dimension, { seed: 2, clusters })(options.queries);
    const exact = new ExactNearest(queries, dimension, 10);
    const next = unitVectorSource(dimension, { seed: 1, clusters });
    let insertMs = 0;
    for (let row = 0; row < vectors; row += batch) {
      const rows = next(Math.min(batch, vectors - row));
      exact.add(rows);
      const started = performance.now();
      await index.upsertMany(videosOf(rows, dimension, row));
      insertMs += performance.now() - started;
      if ((row / batch) % 100 === 99) options.onProgress?.(`${distribution} ${row + batch}/${vectors} inserted`);
    }
    const asInserted = await measureQueries(index, queries, exact);
    await index.settle();
    const settled = await measureQueries(index, queries, exact);
    return {
      vectors,
      distribution,
      ...asInserted,
      settled,
      insertPerSecond: vectors / (insertMs / 1000),
      rssMb: megabytes(process.memoryUsage().rss),
      peakRssMb: megabytes(process.resourceUsage().maxRSS * 1024),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * The local default vector index (LanceDB) at each size: seeded unit vectors inserted through the port, then
 * timed k = 10 queries whose hits are compared with exact search over the same vectors.
 */
export async function benchmarkSearch(options: SearchBenchOptions): Promise<SearchBenchResult> {
  const settings = { dimension: 512, queries: 100, batch: 1000, ...options };
  const search: SearchBenchRow[] = [];
  for (const distribution of options.distributions ?? VECTOR_DISTRIBUTIONS)
    for (const vectors of options.sizes) {
      search.push(await benchmarkOne(vectors, distribution, settings));
      options.onProgress?.(JSON.stringify(search.at(-1)));
    }
  return { engine: 'lancedb', dimension: settings.dimension, queries: settings.queries, search };
}
