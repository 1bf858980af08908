import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { childModule } from '../common/child-module.js';
import { LanceVectorIndex } from '../pipeline/adapters/local/index.js';
import type { VideoVectors } from '../pipeline/core/index.js';
import { megabytes, peakRssBytes } from './process-memory.js';
import { measureQueries } from './query-measurement.js';
import type { ServingMeasurement, ServingRequest } from './search-server-process.js';
import { ExactNearest, unitVectorSource, VECTOR_DISTRIBUTIONS, type VectorDistribution } from './unit-vectors.js';

export type { QueryMeasurement } from './query-measurement.js';

/** One row of `xclip bench --search --json`. */
export interface SearchBenchRow {
  vectors: number;
  distribution: VectorDistribution;
  /** Query latency of k = 10, no filter, right after the inserts (rows past the last upkeep still unindexed). */
  p50Ms: number;
  p99Ms: number;
  /** Share of the exact 10 nearest (by brute force over the same vectors) that the index returned. */
  recallAt10: number;
  /**
   * The same queries once every row is folded into the index (`LanceVectorIndex.settle`), answered by a process
   * of their own that opens the index as `xclip serve` does, with that process's memory: the server's.
   */
  settled: ServingMeasurement;
  /** Vectors per second through upsertMany in batches, index building and compaction included. */
  insertPerSecond: number;
  /**
   * Resident memory of the process that wrote the index, after its queries, and its peak so far (insertion and
   * training included): it also holds the bench's queries and their running exact nearest.
   */
  rssMb: number;
  peakRssMb: number;
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

/** Runs the queries in a process of its own that opens the index in `directory` (search-server-process.ts). */
async function measureServing(request: ServingRequest): Promise<ServingMeasurement> {
  const { path, execArgv } = childModule(import.meta.url, 'search-server-process');
  const server = spawn(process.execPath, [...execArgv, path], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    server.once('error', reject);
    server.once('exit', resolve);
  });
  server.stdin.end(JSON.stringify(request));
  const [output, code] = await Promise.all([text(server.stdout), exited]);
  if (code !== 0) throw new Error(`the serving process of the search bench exited with ${code}`);
  return JSON.parse(output) as ServingMeasurement;
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
    const truth = Array.from({ length: options.queries }, (_, q) => exact.nearest(q));
    const asInserted = await measureQueries(index, queries, truth);
    await index.settle();
    const settled = await measureServing({ directory, queries: Array.from(queries), truth });
    return {
      vectors,
      distribution,
      ...asInserted,
      settled,
      insertPerSecond: vectors / (insertMs / 1000),
      rssMb: megabytes(process.memoryUsage().rss),
      peakRssMb: megabytes(peakRssBytes()),
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
