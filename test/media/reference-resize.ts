/**
 * Plain-TypeScript bilinear resize that follows Pillow's `Image.resize(..., BILINEAR)` (what Hugging Face's
 * image processors call): a triangle filter whose support grows with the downscale factor (antialiasing),
 * applied horizontally then vertically with the intermediate rounded to 8 bits. It is the reference the
 * ffmpeg path is measured against, not the production path.
 */

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, 8 bits per channel, row-major. */
  data: Uint8Array;
}

interface FilterTaps {
  /** First source index each output sample reads. */
  first: Int32Array;
  /** How many source samples each output sample reads. */
  count: Int32Array;
  /** Normalised weights, `taps` per output sample. */
  weights: Float64Array;
  taps: number;
}

function triangle(x: number): number {
  const distance = Math.abs(x);
  return distance < 1 ? 1 - distance : 0;
}

/** Pillow's precompute_coeffs for the bilinear filter (support 1). */
function filterTaps(inputSize: number, outputSize: number): FilterTaps {
  const scale = inputSize / outputSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outputSize);
  const count = new Int32Array(outputSize);
  const weights = new Float64Array(outputSize * taps);
  for (let out = 0; out < outputSize; out++) {
    const center = (out + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inputSize);
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const weight = triangle((i - center + 0.5) / filterScale);
      weights[out * taps + i - lo] = weight;
      total += weight;
    }
    if (total !== 0) for (let k = out * taps; k < out * taps + hi - lo; k++) weights[k] = weights[k]! / total;
    first[out] = lo;
    count[out] = hi - lo;
  }
  return { first, count, weights, taps };
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

/** Resamples along one axis; `stride` steps between samples on that axis, `lines` x `lineStride` over the other. */
function resampleAxis(
  source: Uint8Array,
  target: Uint8Array,
  taps: FilterTaps,
  geometry: {
    outputSize: number;
    lines: number;
    sourceStride: number;
    sourceLineStride: number;
    targetStride: number;
    targetLineStride: number;
  },
): void {
  const { outputSize, lines, sourceStride, sourceLineStride, targetStride, targetLineStride } = geometry;
  for (let line = 0; line < lines; line++) {
    for (let out = 0; out < outputSize; out++) {
      const lo = taps.first[out]!;
      const n = taps.count[out]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        const weight = taps.weights[out * taps.taps + i]!;
        const at = line * sourceLineStride + (lo + i) * sourceStride;
        r += source[at]! * weight;
        g += source[at + 1]! * weight;
        b += source[at + 2]! * weight;
      }
      const to = line * targetLineStride + out * targetStride;
      target[to] = clampByte(r);
      target[to + 1] = clampByte(g);
      target[to + 2] = clampByte(b);
    }
  }
}

/** Resizes like Pillow's BILINEAR resize of an RGB image. */
export function referenceResize(image: RgbImage, width: number, height: number): RgbImage {
  let current = image;
  if (width !== current.width) {
    const data = new Uint8Array(width * current.height * 3);
    resampleAxis(current.data, data, filterTaps(current.width, width), {
      outputSize: width,
      lines: current.height,
      sourceStride: 3,
      sourceLineStride: current.width * 3,
      targetStride: 3,
      targetLineStride: width * 3,
    });
    current = { width, height: current.height, data };
  }
  if (height !== current.height) {
    const data = new Uint8Array(width * height * 3);
    resampleAxis(current.data, data, filterTaps(current.height, height), {
      outputSize: height,
      lines: width,
      sourceStride: width * 3,
      sourceLineStride: 3,
      targetStride: width * 3,
      targetLineStride: 3,
    });
    current = { width, height, data };
  }
  return current;
}
