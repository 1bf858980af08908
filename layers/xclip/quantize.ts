/** Weight quantization for the linear layers, done by the converter itself (no Python tooling). */

export interface Int8Weights {
  /** [K, N] int8, symmetric (zero point 0). */
  values: Int8Array;
  /** One scale per output column [N]. */
  scales: Float32Array;
}

/** Symmetric per-output-column int8 quantization of a [K, N] weight (x @ W layout). */
export function quantizeInt8PerColumn(weight: Float32Array, inFeatures: number, outFeatures: number): Int8Weights {
  const scales = new Float32Array(outFeatures);
  for (let k = 0; k < inFeatures; k++) {
    for (let n = 0; n < outFeatures; n++) scales[n] = Math.max(scales[n]!, Math.abs(weight[k * outFeatures + n]!));
  }
  for (let n = 0; n < outFeatures; n++) scales[n] = scales[n]! > 0 ? scales[n]! / 127 : 1;
  const values = new Int8Array(weight.length);
  for (let k = 0; k < inFeatures; k++) {
    for (let n = 0; n < outFeatures; n++) {
      const i = k * outFeatures + n;
      values[i] = Math.max(-127, Math.min(127, Math.round(weight[i]! / scales[n]!)));
    }
  }
  return { values, scales };
}

export interface Int4Blocks {
  /** MatMulNBits B: [N, blocks, blockSize / 2] uint8, two 4-bit values per byte, low nibble first. */
  packed: Uint8Array;
  /** [N * blocks] float scales. */
  scales: Float32Array;
  blocks: number;
}

/**
 * Weight-only 4-bit quantization in ONNX Runtime's MatMulNBits layout: per output column, blocks of
 * `blockSize` input rows, symmetric around the default zero point 8 (values -8..7 stored as 0..15).
 */
export function quantizeInt4Blocks(weight: Float32Array, inFeatures: number, outFeatures: number, blockSize: number): Int4Blocks {
  const blocks = Math.ceil(inFeatures / blockSize);
  const blobBytes = blockSize / 2;
  const packed = new Uint8Array(outFeatures * blocks * blobBytes);
  const scales = new Float32Array(outFeatures * blocks);
  for (let n = 0; n < outFeatures; n++) {
    for (let block = 0; block < blocks; block++) {
      const start = block * blockSize;
      const end = Math.min(start + blockSize, inFeatures);
      let absMax = 0;
      for (let k = start; k < end; k++) absMax = Math.max(absMax, Math.abs(weight[k * outFeatures + n]!));
      const scale = absMax > 0 ? absMax / 7 : 1;
      scales[n * blocks + block] = scale;
      const blob = (n * blocks + block) * blobBytes;
      for (let k = start; k < start + blockSize; k++) {
        const q = k < end ? Math.max(-8, Math.min(7, Math.round(weight[k * outFeatures + n]! / scale))) + 8 : 8;
        const byte = blob + ((k - start) >> 1);
        packed[byte] = (k - start) % 2 === 0 ? q : packed[byte]! | (q << 4);
      }
    }
  }
  return { packed, scales, blocks };
}
