import { l2NormalizeRows } from '../../../xclip/runtime.js';
import type { LabelScore } from '../classifier.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ResultStore, StoredEmbedding } from '../ports/result-store.js';
import type { VideoModel } from '../ports/video-model.js';
import { readStoredTensor } from '../stored-tensors.js';
import { doneRecord } from './done-record.js';

export interface SearchDeps {
  model: VideoModel;
  artifacts: ObjectStore;
  results: ResultStore;
}

export interface SearchHit {
  id: string;
  key: string;
  /** Cosine similarity of the video embedding with the query (text features or another video). */
  similarity: number;
  /** The X-CLIP logit of the video against the query text, with video-conditioned prompts (text search only). */
  score?: number;
  labels: LabelScore[];
}

/** Candidates per requested hit that the cosine stage passes to the score graph. */
const RESCORE_FACTOR = 4;
const MIN_RESCORE_CANDIDATES = 16;

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** The `count` stored embeddings most similar to `query` (unit length), best first. */
async function nearest(
  embeddings: AsyncIterable<StoredEmbedding>,
  query: Float32Array,
  count: number,
  excludeId?: string,
): Promise<Array<StoredEmbedding & { similarity: number }>> {
  const best: Array<StoredEmbedding & { similarity: number }> = [];
  for await (const { id, embedding } of embeddings) {
    if (id === excludeId || embedding.length !== query.length) continue;
    const similarity = dot(embedding, query);
    if (best.length === count && similarity <= best[count - 1]!.similarity) continue;
    const at = best.findIndex((hit) => hit.similarity < similarity);
    best.splice(at === -1 ? best.length : at, 0, { id, embedding, similarity });
    if (best.length > count) best.pop();
  }
  return best;
}

/**
 * Videos matching a text: cosine of the text features against every stored embedding picks the
 * candidates, then the full X-CLIP score graph (prompts conditioned on each video's visual tokens)
 * ranks them.
 */
export async function searchByText(deps: SearchDeps, text: string, k: number): Promise<SearchHit[]> {
  const features = await deps.model.textFeatures([text]);
  const candidates = await nearest(
    deps.results.embeddings(),
    l2NormalizeRows(features, features.length),
    Math.max(k * RESCORE_FACTOR, MIN_RESCORE_CANDIDATES),
  );
  const scored: Array<Required<SearchHit>> = [];
  // The result store's embedding (the one just compared) is the stored artifact's; only the visual tokens are read.
  for (const { id, embedding, similarity } of candidates) {
    const record = await deps.results.get(id);
    if (!record?.result) continue;
    const visualTokens = await readStoredTensor(deps.artifacts, record.result.visualTokens);
    const [logit] = await deps.model.scoreTexts(embedding, visualTokens, features, 1);
    scored.push({ id, similarity, key: record.source.key, labels: record.result.labels, score: logit! });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

/** The `k` videos whose embeddings are nearest to that of video `id`, itself excluded. */
export async function similarVideos(
  deps: Pick<SearchDeps, 'results' | 'artifacts'>,
  id: string,
  k: number,
): Promise<SearchHit[]> {
  const record = await doneRecord(deps.results, id, `cannot find videos similar to ${id}`);
  const embedding = await readStoredTensor(deps.artifacts, record.result.embedding);
  const hits: SearchHit[] = [];
  for (const hit of await nearest(deps.results.embeddings(), embedding, k, id)) {
    const other = await deps.results.get(hit.id);
    if (other?.result)
      hits.push({ id: hit.id, similarity: hit.similarity, key: other.source.key, labels: other.result.labels });
  }
  return hits;
}
