import { VideoClassifier } from '../../layers/pipeline/core/index.js';
import type { FunctionConfig } from './config.js';

/**
 * The model of MODEL_DIR with the deployment's video limits; loaded once per container by each handler. A handler
 * that `decodes` videos has its first decoder process started while the model loads.
 */
export function loadVideoModel(config: FunctionConfig, decodes: boolean): Promise<VideoClassifier> {
  return VideoClassifier.load({
    modelDir: config.modelDir,
    labelFeatureCacheDir: config.labelFeatureCacheDir,
    limits: { maxFileBytes: config.maxVideoBytes, maxDurationSeconds: config.maxVideoSeconds },
    prestartDecoder: decodes,
  });
}
