import { VideoClassifier } from '../../layers/pipeline/classifier.js';
import type { GpuServerConfig } from './config.js';
import { loadWithFallback } from './execution-providers.js';

/** The model of MODEL_DIR on the first configured execution provider that starts, with the video limits. */
export async function loadGpuModel(config: GpuServerConfig, warn: (line: string) => void): Promise<{ model: VideoClassifier; executionProvider: string }> {
  const { loaded, executionProvider } = await loadWithFallback(config.executionProviders, (executionProviders) => VideoClassifier.load({
    modelDir: config.modelDir,
    labelFeatureCacheDir: config.labelFeatureCacheDir,
    limits: { maxFileBytes: config.maxVideoBytes, maxDurationSeconds: config.maxVideoSeconds },
    executionProviders,
    maxVideoBatch: config.maxVideoBatch,
  }), warn);
  return { model: loaded, executionProvider };
}
