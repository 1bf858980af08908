import { DEFAULT_LABEL_SET, resolveLabelSet } from '../xclip/label-sets.js';
import { l2NormalizeRows, XclipRuntime } from '../xclip/runtime.js';
import { encodeTexts } from '../xclip/text-encoder.js';
import { ClipTokenizer } from '../xclip/tokenizer.js';
import { randomPixels } from './random-pixels.js';

/** How closely a quantized model follows its fp32 reference. */
export interface FidelityResult {
  model: string;
  precision: string;
  reference: string;
  videos: number;
  labels: number;
  videoEmbedCosine: { mean: number; min: number };
  textFeatureCosine: { mean: number; min: number };
  top1Agreement: number;
  top5Agreement: number;
  maxLogitDelta: number;
}

export interface FidelityOptions {
  modelDir: string;
  referenceDir: string;
  videos?: number;
  seed?: number;
  threads?: number;
}

/** Cosine similarity of each row pair of two [rows, width] matrices. */
export function rowCosines(a: Float32Array, b: Float32Array, width: number): number[] {
  const an = l2NormalizeRows(a, width);
  const bn = l2NormalizeRows(b, width);
  return Array.from({ length: a.length / width }, (_, row) => {
    let dot = 0;
    for (let i = 0; i < width; i++) dot += an[row * width + i]! * bn[row * width + i]!;
    return dot;
  });
}

function topIndices(logits: Float32Array, k: number): number[] {
  return Array.from(logits.keys())
    .sort((a, b) => logits[b]! - logits[a]!)
    .slice(0, k);
}

const summary = (values: number[]) => ({
  mean: values.reduce((s, v) => s + v, 0) / values.length,
  min: Math.min(...values),
});

/**
 * Runs the same random videos and the default label set through a model and its fp32 reference and
 * compares video embeddings, text features and 400-label logits (top-1/top-5 agreement, max delta).
 */
export async function measureFidelity(options: FidelityOptions): Promise<FidelityResult> {
  const videos = options.videos ?? 32;
  const labels = resolveLabelSet(DEFAULT_LABEL_SET);
  const [model, reference] = await Promise.all([
    XclipRuntime.load(options.modelDir, { threads: options.threads }),
    XclipRuntime.load(options.referenceDir, { threads: options.threads }),
  ]);
  try {
    const tokenizer = ClipTokenizer.fromDirectory(options.referenceDir);
    const P = model.projectionDim;
    const [modelText, referenceText] = [
      await encodeTexts(model, tokenizer, labels.names),
      await encodeTexts(reference, tokenizer, labels.names),
    ];
    const videoCosines: number[] = [];
    let top1 = 0;
    let top5 = 0;
    let maxLogitDelta = 0;
    const videoValues = model.frames * 3 * model.imageSize ** 2;
    for (let v = 0; v < videos; v++) {
      const pixels = randomPixels(videoValues, (options.seed ?? 1) * 1000 + v);
      const [mv, rv] = [await model.encodeVideos(pixels, 1), await reference.encodeVideos(pixels, 1)];
      videoCosines.push(...rowCosines(mv.videoEmbeds, rv.videoEmbeds, P));
      const m = (await model.scoreVideos(mv, { count: labels.names.length, features: modelText })).logits;
      const r = (await reference.scoreVideos(rv, { count: labels.names.length, features: referenceText })).logits;
      if (topIndices(m, 1)[0] === topIndices(r, 1)[0]) top1++;
      const referenceTop5 = new Set(topIndices(r, 5));
      top5 += topIndices(m, 5).filter((i) => referenceTop5.has(i)).length / 5;
      for (let i = 0; i < m.length; i++) maxLogitDelta = Math.max(maxLogitDelta, Math.abs(m[i]! - r[i]!));
    }
    return {
      model: options.modelDir,
      precision: model.manifest.precision,
      reference: options.referenceDir,
      videos,
      labels: labels.names.length,
      videoEmbedCosine: summary(videoCosines),
      textFeatureCosine: summary(rowCosines(modelText, referenceText, P)),
      top1Agreement: top1 / videos,
      top5Agreement: top5 / videos,
      maxLogitDelta,
    };
  } finally {
    await Promise.all([model.release(), reference.release()]);
  }
}
