import { VideoClassifier } from '../../layers/pipeline/core/index.js';
import type { FunctionConfig } from './config.js';

/** The model of MODEL_DIR with the deployment's video limits; loaded once per container by each handler. */
export function loadVideoModel(config: FunctionConfig): Promise<VideoClassifier> {
  return VideoClassifier.load({
    modelDir: config.modelDir,
    labelFeatureCacheDir: config.labelFeatureCacheDir,
    limits: { maxFileBytes: config.maxVideoBytes, maxDurationSeconds: config.maxVideoSeconds },
  });
}
