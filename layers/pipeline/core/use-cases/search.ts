import { concatFloat32 } from '../../../common/concat-float32.js';
import { mapConcurrently } from '../../../common/concurrency.js';
import { l2NormalizeRows } from '../../../xclip/runtime.js';
import type { LabelScore } from '../classifier.js';
import { InvalidRequestError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ResultStore } from '../ports/result-store.js';
import { MAX_QUERY_K, type VectorFilter, type VectorIndex } from '../ports/vector-index.js';
import type { VideoModel } from '../ports/video-model.js';
import type { VideoRecord, VideoResult } from '../result-schema.js';
import { readStoredTensor } from '../stored-tensors.js';
import { readSegmentEmbeddings } from '../video-vectors.js';
import { doneRecord } from './done-record.js';

export interface SearchDeps {
  /** The model, loaded on first use: text and image queries need it, a video as the example does not. */
  model: () => Promise<VideoModel>;
  artifacts: ObjectStore;
  results: ResultStore;
  vectors: VectorIndex;
}

/** What a search looks for: a text, a video (or a time range of it) as the example, or an image. */
export type SearchQuery =
  | { text: string }
  | { example: { videoId: string; fromSeconds?: number; toSeconds?: number } }
  | { image: Uint8Array };

/** Conditions the hits meet, pushed into the index's query. */
export interface SearchFilter {
  /** At least one of these among the video's top labels. */
  labels?: string[];
  /** A folder of object keys, ending in `/`. */
  keyPrefix?: string;
  /** Completed at or after (ISO 8601). */
  completedFrom?: string;
  /** Completed before (ISO 8601). */
  completedTo?: string;
}

export interface SearchOptions {
  /** Hits wanted, 1..MAX_QUERY_K. */
  k: number;
  filter?: SearchFilter;
  /** Most moments per hit (videos classified with a timeline); 0 or absent: none. */
  moments?: number;
}

export interface Moment {
  startSeconds: number;
  endSeconds: number;
  /** Cosine similarity of the window's embedding with the query. */
  score: number;
}

export interface SearchHit {
  id: string;
  key: string;
  /** Cosine similarity of the video embedding with the query (text features, another video, an image). */
  similarity: number;
  /** The X-CLIP logit of the video against the query text, with video-conditioned prompts (text search only). */
  score?: number;
  labels: LabelScore[];
  /** The best windows of the video, best first (videos classified with a timeline, when moments were asked for). */
  moments?: Moment[];
  /** Artifact key of the video's poster, where it has one (the API turns it into a URL). */
  poster?: string;
}

/** Candidates per requested hit that the index passes to the score graph (and that stale hits may thin). */
const RESCORE_FACTOR = 4;
const MIN_CANDIDATES = 16;
/** Candidate records and tensors read at once. */
const READ_CONCURRENCY = 16;

function dot(a: Float32Array, b: Float32Array, offset = 0): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[offset + i]!;
  return sum;
}

function vectorFilter(filter: SearchFilter | undefined): VectorFilter {
  const { labels, keyPrefix, completedFrom, completedTo } = filter ?? {};
  return {
    ...(labels ? { labels } : {}),
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    ...(completedFrom !== undefined || completedTo !== undefined
      ? {
          completedAt: {
            ...(completedFrom !== undefined ? { from: completedFrom } : {}),
            ...(completedTo !== undefined ? { to: completedTo } : {}),
          },
        }
      : {}),
  };
}

/** The mean of the example's windows that overlap [fromSeconds, toSeconds), L2-normalised. */
async function exampleRangeVector(
  artifacts: ObjectStore,
  result: VideoResult,
  { fromSeconds = 0, toSeconds = Number.POSITIVE_INFINITY }: { fromSeconds?: number; toSeconds?: number },
): Promise<Float32Array> {
  const what = `cannot search by a time range of video ${result.videoId}`;
  if (!result.segments) throw new InvalidRequestError(what, 'it was classified without a timeline');
  if (toSeconds <= fromSeconds) throw new InvalidRequestError(what, 'toSeconds must be after fromSeconds');
  const segments = (await readSegmentEmbeddings(artifacts, result))!;
  const P = result.embedding.shape[0]!;
  const sum = new Float32Array(P);
  let count = 0;
  result.segments.spans.forEach(({ startSeconds, endSeconds }, index) => {
    if (endSeconds <= fromSeconds || startSeconds >= toSeconds) return;
    for (let i = 0; i < P; i++) sum[i] = sum[i]! + segments[index * P + i]!;
    count++;
  });
  if (count === 0)
    throw new InvalidRequestError(what, `no window of its timeline overlaps ${fromSeconds}..${toSeconds} s`);
  return l2NormalizeRows(sum, P);
}

interface QueryVector {
  vector: Float32Array;
  /** Text features [1, P] for the score graph (text queries). */
  textFeatures?: Float32Array;
  /** The example video, left out of its own hits. */
  excludeVideoId?: string;
}

async function queryVector(deps: SearchDeps, query: SearchQuery): Promise<QueryVector> {
  if ('text' in query) {
    const textFeatures = await (await deps.model()).textFeatures([query.text]);
    return { vector: l2NormalizeRows(textFeatures, textFeatures.length), textFeatures };
  }
  if ('image' in query) return { vector: await (await deps.model()).embedImage(query.image) };
  const { videoId, fromSeconds, toSeconds } = query.example;
  const record = await doneRecord(deps.results, videoId, `cannot search by the example of video ${videoId}`);
  const vector =
    fromSeconds === undefined && toSeconds === undefined
      ? await readStoredTensor(deps.artifacts, record.result.embedding)
      : await exampleRangeVector(deps.artifacts, record.result, { fromSeconds, toSeconds });
  return { vector, excludeVideoId: videoId };
}

/** The best `count` windows of a video against the query vector, best first. */
async function momentsOf(
  artifacts: ObjectStore,
  result: VideoResult,
  vector: Float32Array,
  count: number,
): Promise<Moment[] | undefined> {
  if (!result.segments || count <= 0) return undefined;
  const segments = (await readSegmentEmbeddings(artifacts, result))!;
  return result.segments.spans
    .map(({ startSeconds, endSeconds }, index) => ({
      startSeconds,
      endSeconds,
      score: dot(vector, segments, index * vector.length),
    }))
    .sort((a, b) => b.score - a.score)
    .slice(0, count);
}

/**
 * Videos like the query: the vector index picks candidates (video vectors and timeline windows, the filter applied
 * inside the index), each is checked against its record (only DONE videos are shown, so a vector left behind never
 * is), a text query re-ranks them with X-CLIP's video-conditioned score graph, and each hit gets its best moments.
 * Reads only: a search writes nothing.
 */
export async function searchVideos(deps: SearchDeps, query: SearchQuery, options: SearchOptions): Promise<SearchHit[]> {
  const { vector, textFeatures, excludeVideoId } = await queryVector(deps, query);
  const candidateCount = Math.min(MAX_QUERY_K, Math.max(options.k * RESCORE_FACTOR, MIN_CANDIDATES));
  const filter = vectorFilter(options.filter);
  const exclude = excludeVideoId !== undefined ? { excludeVideoId } : {};
  // A video whose best moment matches also counts when its whole does not rank.
  const [videoHits, segmentHits] = await Promise.all([
    deps.vectors.query(vector, { k: candidateCount, filter: { ...filter, kind: 'video' }, ...exclude }),
    deps.vectors.query(vector, { k: candidateCount, filter: { ...filter, kind: 'segment' }, ...exclude }),
  ]);
  const ids = [...new Set([...videoHits, ...segmentHits].map((hit) => hit.videoId))];
  const candidates = await mapConcurrently(ids, READ_CONCURRENCY, async (id) => {
    const record = await deps.results.get(id);
    if (record?.status !== 'DONE' || !record.result) return undefined;
    const embedding = await readStoredTensor(deps.artifacts, record.result.embedding);
    const visualTokens = textFeatures ? await readStoredTensor(deps.artifacts, record.result.visualTokens) : undefined;
    return { record: record as VideoRecord & { result: VideoResult }, embedding, visualTokens };
  });
  const found = candidates.filter((candidate) => candidate !== undefined);
  // One run of the score graph for every candidate of a text query.
  const scores =
    textFeatures && found.length > 0
      ? await (await deps.model()).scoreTexts(
          concatFloat32(found.map((candidate) => candidate.embedding)),
          concatFloat32(found.map((candidate) => candidate.visualTokens!)),
          textFeatures,
          1,
        )
      : undefined;
  const ranked: Array<SearchHit & { result: VideoResult }> = found.map(({ record, embedding }, at) => ({
    id: record.id,
    key: record.source.key,
    similarity: dot(vector, embedding),
    ...(scores ? { score: scores[at]! } : {}),
    labels: record.result.labels,
    ...(record.result.thumbnails ? { poster: record.result.thumbnails.poster } : {}),
    result: record.result,
  }));
  ranked.sort((a, b) => (scores ? b.score! - a.score! : b.similarity - a.similarity));
  return mapConcurrently(ranked.slice(0, options.k), READ_CONCURRENCY, async ({ result, ...hit }) => {
    const moments = await momentsOf(deps.artifacts, result, vector, options.moments ?? 0);
    return moments ? { ...hit, moments } : hit;
  });
}

/** The `k` videos whose embeddings are nearest to that of video `id`, itself excluded. */
export function similarVideos(deps: Omit<SearchDeps, 'model'>, id: string, k: number): Promise<SearchHit[]> {
  const model = () => Promise.reject(new Error('a search by example needs no model'));
  return searchVideos({ ...deps, model }, { example: { videoId: id } }, { k });
}
