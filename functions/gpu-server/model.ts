import type { VideoClassifier } from '../../layers/pipeline/core/index.js';
import { loadClassifier } from '../../layers/pipeline/core/index.js';
import type { GpuServerConfig } from './config.js';

/** The model of MODEL_DIR on the first configured execution provider that starts, with the video limits. */
export function loadGpuModel(config: GpuServerConfig, warn: (line: string) => void): Promise<VideoClassifier> {
  return loadClassifier(
    {
      modelDir: config.modelDir,
      labelFeatureCacheDir: config.labelFeatureCacheDir,
      limits: {
        maxFileBytes: config.maxVideoBytes,
        maxDurationSeconds: config.maxVideoSeconds,
        decodeTimeoutMs: config.decodeTimeoutMs,
      },
      executionProviders: config.executionProviders,
      maxVideoBatch: config.maxVideoBatch,
    },
    warn,
  );
}
