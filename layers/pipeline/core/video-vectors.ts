import type { ObjectStore } from './ports/object-store.js';
import type { VectorEntry, VectorVersion, VideoVectors } from './ports/vector-index.js';
import type { VideoResult } from './result-schema.js';
import { readStoredTensor } from './stored-tensors.js';

/** The object version a result was computed from, as the vector index orders versions. */
export function vectorVersionOf(result: VideoResult): VectorVersion {
  return { version: result.source.version, sequence: result.source.sequence };
}

/**
 * What the index holds of a DONE result: the video embedding and, with a timeline, one vector per window. Every
 * vector carries the video's top label names (a label filter selects videos, and their moments with them), its
 * object key and completion time.
 */
export function videoVectorsOf(
  result: VideoResult,
  embedding: Float32Array,
  segmentEmbeddings?: Float32Array,
): VideoVectors {
  const common = {
    labels: result.labels.map((label) => label.label),
    objectKey: result.source.key,
    completedAt: result.completedAt,
  };
  const entries: VectorEntry[] = [{ vector: embedding, metadata: { ...common, kind: 'video' } }];
  const P = embedding.length;
  result.segments?.spans.forEach(({ startSeconds, endSeconds }, segmentIndex) => {
    entries.push({
      vector: segmentEmbeddings!.subarray(segmentIndex * P, (segmentIndex + 1) * P),
      metadata: { ...common, kind: 'segment', segmentIndex, startSeconds, endSeconds },
    });
  });
  return { videoId: result.videoId, version: vectorVersionOf(result), entries };
}

/** The stored window embeddings of a result [windows * P], or undefined without a timeline. */
export function readSegmentEmbeddings(artifacts: ObjectStore, result: VideoResult): Promise<Float32Array | undefined> {
  return result.segments ? readStoredTensor(artifacts, result.segments.embeddings) : Promise.resolve(undefined);
}

/** videoVectorsOf a stored result, its tensors read back from the artifact store (relabel, reindex). */
export async function readVideoVectors(artifacts: ObjectStore, result: VideoResult): Promise<VideoVectors> {
  const [embedding, segments] = await Promise.all([
    readStoredTensor(artifacts, result.embedding),
    readSegmentEmbeddings(artifacts, result),
  ]);
  return videoVectorsOf(result, embedding, segments);
}
