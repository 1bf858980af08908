import { CorruptArtifactError } from './errors.js';
import type { ObjectStore } from './ports/object-store.js';
import type { VideoResult } from './result-schema.js';
import { decodeFloat16, decodeFloat32 } from './tensor-codec.js';

/** What the score graph needs of a classified video, read back from the artifact store. */
export interface StoredVideoTensors {
  embedding: Float32Array;
  visualTokens: Float32Array;
}

/** One stored tensor, checked against the shape its result document gives. */
export async function readStoredTensor(artifacts: ObjectStore, ref: VideoResult['embedding']): Promise<Float32Array> {
  const bytes = await artifacts.get(ref.key);
  if (!bytes) throw new CorruptArtifactError(ref.key, 'it is missing');
  const values = ref.dtype === 'float32' ? decodeFloat32(bytes) : decodeFloat16(bytes);
  const expected = ref.shape.reduce((n, d) => n * d, 1);
  if (bytes.byteLength % (ref.dtype === 'float32' ? 4 : 2) !== 0 || values.length !== expected) {
    throw new CorruptArtifactError(
      ref.key,
      `it holds ${bytes.byteLength} bytes, expected ${expected} ${ref.dtype} values`,
    );
  }
  return values;
}

export async function readStoredTensors(artifacts: ObjectStore, result: VideoResult): Promise<StoredVideoTensors> {
  const [embedding, visualTokens] = await Promise.all([
    readStoredTensor(artifacts, result.embedding),
    readStoredTensor(artifacts, result.visualTokens),
  ]);
  return { embedding, visualTokens };
}
