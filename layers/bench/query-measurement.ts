import type { VectorIndex } from '../pipeline/core/index.js';

export interface QueryMeasurement {
  p50Ms: number;
  p99Ms: number;
  recallAt10: number;
}

const WARM_UP_QUERIES = 5;

/** The value at quantile `p` of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * k = 10 queries after a few warm-up ones: latency percentiles and recall against `truth`, the exact 10 nearest
 * rows of each query (row n is video `v<n>`).
 */
export async function measureQueries(
  index: VectorIndex,
  queries: Float32Array,
  truth: number[][],
): Promise<QueryMeasurement> {
  const dimension = queries.length / truth.length;
  const query = (q: number) => index.query(queries.subarray(q * dimension, (q + 1) * dimension), { k: 10 });
  for (let q = 0; q < Math.min(WARM_UP_QUERIES, truth.length); q++) await query(q);
  const latencies: number[] = [];
  let found = 0;
  for (const [q, nearest] of truth.entries()) {
    const started = performance.now();
    const hits = await query(q);
    latencies.push(performance.now() - started);
    const expected = new Set(nearest.map((row) => `v${row}`));
    found += hits.filter((hit) => expected.has(hit.key)).length;
  }
  latencies.sort((a, b) => a - b);
  return {
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    recallAt10: found / (truth.length * 10),
  };
}
