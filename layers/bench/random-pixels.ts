/** Pixel values of normalised-image scale from a seeded generator (uniform in [-2, 2.5]). */
export function randomPixels(count: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 2 ** 32) * 4.5 - 2;
  });
}
