import type { VideoClassifier } from '../classifier.js';

/** What the use cases need of the model; VideoClassifier is one, tests may pass a fake. */
export type VideoModel = Pick<VideoClassifier, 'model' | 'classifyFile' | 'scoreStored' | 'textFeatures' | 'scoreTexts'>;
