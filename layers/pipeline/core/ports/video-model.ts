import type { VideoClassifier } from '../classifier.js';
import type { ModelInfo } from '../result-schema.js';

/** What the use cases need of the model; VideoClassifier is one, tests may pass a fake. */
export type VideoModel = Pick<
  VideoClassifier,
  'model' | 'classifyFile' | 'scoreStored' | 'textFeatures' | 'scoreTexts' | 'embedImage'
>;

/** The model identity a result records. */
export function modelInfoOf({ model }: Pick<VideoModel, 'model'>): ModelInfo {
  return { id: model.id, precision: model.precision, sha256: model.sha256, executionProvider: model.executionProvider };
}
