import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LabelSet, labelNamesDigest } from './label-sets.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

/** Folder of a model directory holding precomputed label text features, one file per label set. */
export const LABEL_FEATURES_DIR = 'label-features';
const FEATURES_TENSOR = 'text_features';

export function labelFeaturesPath(dir: string, labelSetId: string): string {
  return join(dir, LABEL_FEATURES_DIR, `${labelSetId}.safetensors`);
}

/** Writes text features [C, P] of a label set, tagged with a digest of its names. */
export function writeLabelFeatures(
  path: string,
  labels: LabelSet,
  features: Float32Array,
  projectionDim: number,
): void {
  writeSafetensors(
    path,
    [[FEATURES_TENSOR, { dtype: 'F32', shape: [labels.names.length, projectionDim], data: features }]],
    {
      label_set: labels.id,
      names_sha256: labelNamesDigest(labels.names),
    },
  );
}

/** Stored features of `labels`, or undefined when none are stored or they were made for other names. */
export function readLabelFeatures(path: string, labels: LabelSet): Float32Array | undefined {
  if (!existsSync(path)) return undefined;
  const { tensors, metadata } = readSafetensors(path);
  if (metadata.names_sha256 !== labelNamesDigest(labels.names)) return undefined;
  return tensors.get(FEATURES_TENSOR)?.data as Float32Array | undefined;
}
