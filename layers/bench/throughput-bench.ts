import { labelFeaturesPath, readLabelFeatures } from '../xclip/label-features.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from '../xclip/label-sets.js';
import { XclipRuntime } from '../xclip/runtime.js';
import { encodeTexts } from '../xclip/text-encoder.js';
import { ClipTokenizer } from '../xclip/tokenizer.js';
import { randomPixels } from './random-pixels.js';
import { type Timing, timeRuns } from './timing.js';

export interface ThroughputCase {
  batch: number;
  /** Vision graph plus scoring against the label set, per batch. */
  batchMs: Timing;
  perVideoMs: number;
  videosPerSecond: number;
}

export interface ThroughputResult {
  model: string;
  precision: string;
  executionProviders: string[];
  labels: number;
  loadMs: number;
  cases: ThroughputCase[];
}

export interface ThroughputOptions {
  modelDir: string;
  executionProviders?: string[];
  batchSizes?: number[];
  runs?: number;
  threads?: number;
}

/**
 * Model-only throughput on an execution provider: vision graph and scoring against the default
 * label set for batches of already decoded videos (decoding runs on the CPU whatever the provider).
 */
export async function benchmarkThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const executionProviders = options.executionProviders ?? ['cpu'];
  const runs = options.runs ?? 5;
  const runtime = await XclipRuntime.load(options.modelDir, { executionProviders, threads: options.threads });
  try {
    const labels = resolveLabelSet(DEFAULT_LABEL_SET);
    const features =
      readLabelFeatures(labelFeaturesPath(options.modelDir, labels.id), labels) ??
      (await encodeTexts(runtime, ClipTokenizer.fromDirectory(options.modelDir), labels.names));
    const texts = { count: labels.names.length, features };
    const videoValues = runtime.frames * 3 * runtime.imageSize ** 2;
    const cases: ThroughputCase[] = [];
    for (const batch of options.batchSizes ?? [1, 8]) {
      const pixels = randomPixels(batch * videoValues, batch);
      const batchMs = await timeRuns(runs, async () =>
        runtime.scoreVideos(await runtime.encodeVideos(pixels, batch), texts),
      );
      cases.push({
        batch,
        batchMs,
        perVideoMs: batchMs.medianMs / batch,
        videosPerSecond: (1000 * batch) / batchMs.medianMs,
      });
    }
    return {
      model: runtime.manifest.modelId,
      precision: runtime.manifest.precision,
      executionProviders,
      labels: labels.names.length,
      loadMs: runtime.loadMs,
      cases,
    };
  } finally {
    await runtime.release();
  }
}
