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

export interface UnitVectorOptions {
  seed: number;
  /**
   * 0: directions uniform on the sphere. n > 0: each vector is one of n random centres plus noise of half
   * the centres' scale per dimension, so neighbours crowd inside clusters (harder for approximate indexes).
   * The centres depend on the seed's cluster count only, so vectors of two seeds share them.
   */
  clusters?: number;
}

/** `count` unit vectors of `dimension`, row after row in one array. */
export function unitVectors(count: number, dimension: number, { seed, clusters = 0 }: UnitVectorOptions): Float32Array {
  const centreNormal = seededNormal(clusters * 7919 + 1);
  const centres = Array.from({ length: clusters }, () => Float64Array.from({ length: dimension }, centreNormal));
  const normal = seededNormal(seed);
  const pick = seededUniform(seed ^ 0x5bd1e995);
  const out = new Float32Array(count * dimension);
  const row = new Float64Array(dimension);
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
}

/** Rows of `data` with the `k` largest dot products with `query`, best first (exact search). */
export function exactNearest(data: Float32Array, dimension: number, query: Float32Array, k: number): number[] {
  const best: Array<{ row: number; dot: number }> = [];
  const rows = data.length / dimension;
  for (let row = 0; row < rows; row++) {
    let dot = 0;
    const offset = row * dimension;
    for (let j = 0; j < dimension; j++) dot += data[offset + j]! * query[j]!;
    if (best.length === k && dot <= best[k - 1]!.dot) continue;
    const at = best.findIndex((hit) => hit.dot < dot);
    best.splice(at === -1 ? best.length : at, 0, { row, dot });
    if (best.length > k) best.pop();
  }
  return best.map((hit) => hit.row);
}
