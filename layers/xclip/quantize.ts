/** Weight quantization for the linear layers, done by the converter itself (no Python tooling). */

export interface Int8Weights {
  /** int8 values in the input's [rows, cols] layout, symmetric (zero point 0). */
  values: Int8Array;
  /** One scale per row or per column. */
  scales: Float32Array;
}

/**
 * Symmetric int8 quantization of a [rows, cols] matrix with one scale per column (a linear weight in
 * x @ W layout: per output channel) or per row (an embedding table: per token).
 */
export function quantizeInt8(
  matrix: Float32Array,
  rows: number,
  cols: number,
  scaleAxis: 'row' | 'column',
): Int8Weights {
  const scaleIndex = scaleAxis === 'column' ? (_r: number, c: number) => c : (r: number) => r;
  const scales = new Float32Array(scaleAxis === 'column' ? cols : rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = scaleIndex(r, c);
      scales[i] = Math.max(scales[i]!, Math.abs(matrix[r * cols + c]!));
    }
  }
  for (let i = 0; i < scales.length; i++) scales[i] = scales[i]! > 0 ? scales[i]! / 127 : 1;
  const values = new Int8Array(matrix.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      values[r * cols + c] = Math.max(
        -127,
        Math.min(127, Math.round(matrix[r * cols + c]! / scales[scaleIndex(r, c)]!)),
      );
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
export function quantizeInt4Blocks(
  weight: Float32Array,
  inFeatures: number,
  outFeatures: number,
  blockSize: number,
): Int4Blocks {
  const blocks = Math.ceil(inFeatures / blockSize);
  const blobBytes = blockSize / 2;
  const packed = new Uint8Array(outFeatures * blocks * blobBytes);
  const scales = new Float32Array(outFeatures * blocks);
  for (let n = 0; n < outFeatures; n++) {
    for (let block = 0; block < blocks; block++) {
      const start = block * blockSize;
      const end = Math.min(start + blockSize, inFeatures);
      // The value of largest magnitude maps to -8 exactly (a signed scale), so all 16 levels are used.
      let extreme = 0;
      for (let k = start; k < end; k++) {
        const w = weight[k * outFeatures + n]!;
        if (Math.abs(w) > Math.abs(extreme)) extreme = w;
      }
      const scale = extreme !== 0 ? extreme / -8 : 1;
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
