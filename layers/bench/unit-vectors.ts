/** Uniform in [0, 1) from a seeded generator (mulberry32): the same seed gives the same sequence. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Standard normal samples (Box-Muller). */
function seededNormal(seed: number): () => number {
  const uniform = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** How benchmark vectors spread: uniformly on the sphere, or crowded in clusters (UnitVectorOptions.clusters). */
export const VECTOR_DISTRIBUTIONS = ['random', 'clustered'] as const;
export type VectorDistribution = (typeof VECTOR_DISTRIBUTIONS)[number];

export interface UnitVectorOptions {
  seed: number;
  /**
   * 0: directions uniform on the sphere. n > 0: each vector is one of n random centres plus noise of half
   * the centres' scale per dimension, so neighbours crowd inside clusters (harder for approximate indexes).
   * The centres depend on the seed's cluster count only, so vectors of two seeds share them.
   */
  clusters?: number;
}

/** A seeded stream of unit vectors of `dimension`: each call returns the next `count`, row after row. */
export function unitVectorSource(
  dimension: number,
  { seed, clusters = 0 }: UnitVectorOptions,
): (count: number) => Float32Array {
  const centreNormal = seededNormal(clusters * 7919 + 1);
  const centres = Array.from({ length: clusters }, () => Float64Array.from({ length: dimension }, centreNormal));
  const normal = seededNormal(seed);
  const pick = seededUniform(seed ^ 0x5bd1e995);
  const row = new Float64Array(dimension);
  return (count) => {
    const out = new Float32Array(count * dimension);
    for (let i = 0; i < count; i++) {
      const centre = clusters > 0 ? centres[Math.floor(pick() * clusters)]! : undefined;
      let squares = 0;
      for (let j = 0; j < dimension; j++) {
        row[j] = centre ? centre[j]! + 0.5 * normal() : normal();
        squares += row[j]! * row[j]!;
      }
      const norm = Math.sqrt(squares);
      for (let j = 0; j < dimension; j++) out[i * dimension + j] = row[j]! / norm;
    }
    return out;
  };
}

/** `count` unit vectors of `dimension`, row after row in one array. */
export function unitVectors(count: number, dimension: number, options: UnitVectorOptions): Float32Array {
  return unitVectorSource(dimension, options)(count);
}

/**
 * Exact top-k by dot product of a few queries over rows that arrive in batches (so a million rows need not be
 * held at once).
 */
export class ExactNearest {
  readonly #best: Array<Array<{ row: number; dot: number }>>;
  #rows = 0;

  constructor(
    readonly queries: Float32Array,
    readonly dimension: number,
    readonly k: number,
  ) {
    this.#best = Array.from({ length: queries.length / dimension }, () => []);
  }

  add(batch: Float32Array): void {
    for (const [q, best] of this.#best.entries()) {
      const query = this.queries.subarray(q * this.dimension, (q + 1) * this.dimension);
      for (let at = 0; at < batch.length / this.dimension; at++) {
        let dot = 0;
        const offset = at * this.dimension;
        for (let j = 0; j < this.dimension; j++) dot += batch[offset + j]! * query[j]!;
        if (best.length === this.k && dot <= best[this.k - 1]!.dot) continue;
        const place = best.findIndex((hit) => hit.dot < dot);
        best.splice(place === -1 ? best.length : place, 0, { row: this.#rows + at, dot });
        if (best.length > this.k) best.pop();
      }
    }
    this.#rows += batch.length / this.dimension;
  }

  /** Rows nearest query `q`, best first. */
  nearest(q: number): number[] {
    return this.#best[q]!.map((hit) => hit.row);
  }
}

/** Rows of `data` with the `k` largest dot products with `query`, best first (exact search). */
export function exactNearest(data: Float32Array, dimension: number, query: Float32Array, k: number): number[] {
  const exact = new ExactNearest(query, dimension, k);
  exact.add(data);
  return exact.nearest(0);
}
