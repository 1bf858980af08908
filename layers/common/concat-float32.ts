/** The arrays one after another in a single Float32Array. */
export function concatFloat32(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, array) => n + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    out.set(array, offset);
    offset += array.length;
  }
  return out;
}
