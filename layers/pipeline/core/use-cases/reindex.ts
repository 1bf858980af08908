import { mapConcurrently } from '../../../common/concurrency.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ResultStore } from '../ports/result-store.js';
import type { VectorIndex, VideoVectors } from '../ports/vector-index.js';
import { type VideoResult, videoResultSchema } from '../result-schema.js';
import { artifactKeysFor } from '../storage-keys.js';
import { readVideoVectors } from '../video-vectors.js';

export interface ReindexDeps {
  artifacts: ObjectStore;
  results: ResultStore;
  vectors: VectorIndex;
}

export interface ReindexCounts {
  /** Result documents found. */
  documents: number;
  /** Videos whose vectors were written. */
  indexed: number;
  /** Videos the index already held a newer version of. */
  stale: number;
  /** Documents of versions that are not DONE now (replaced, failed, queued again), or unreadable. */
  skipped: number;
}

/** Videos written to the index per upsertMany call. */
export const REINDEX_BATCH = 100;
/** Documents and tensors read at once. */
const READ_CONCURRENCY = 16;
const RESULT_PREFIX = artifactKeysFor('video.mp4').result.split('/')[0]!;

/** The result document at `key`, or undefined when it is missing or not one. */
async function readResultDocument(artifacts: ObjectStore, key: string): Promise<VideoResult | undefined> {
  const bytes = await artifacts.get(key);
  if (!bytes) return undefined;
  try {
    const parsed = videoResultSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The vectors of the video a document describes, when its record is DONE with that version; its result as stored. */
async function currentVectors(deps: ReindexDeps, key: string): Promise<VideoVectors | undefined> {
  const document = await readResultDocument(deps.artifacts, key);
  if (!document) return undefined;
  const record = await deps.results.get(document.videoId);
  if (record?.status !== 'DONE' || !record.result || record.source.version !== document.source.version)
    return undefined;
  return readVideoVectors(deps.artifacts, record.result);
}

/** The embedding length of the first result document, or undefined when there is none: what a new index holds. */
export async function storedDimension(artifacts: ObjectStore): Promise<number | undefined> {
  for await (const { key } of artifacts.list(`${RESULT_PREFIX}/`)) {
    const document = await readResultDocument(artifacts, key);
    if (document) return document.embedding.shape[0];
  }
  return undefined;
}

/**
 * Builds the vector index from the stored result documents and their tensors: each video whose record is DONE with
 * the document's version is written as classification writes it, in batches. Idempotent (an upsert replaces the same
 * version, never a newer one), so it may run again, or beside a running pipeline.
 */
export async function reindex(
  deps: ReindexDeps,
  onProgress?: (counts: ReindexCounts) => void,
  batchSize = REINDEX_BATCH,
): Promise<ReindexCounts> {
  const counts: ReindexCounts = { documents: 0, indexed: 0, stale: 0, skipped: 0 };
  let keys: string[] = [];
  const flush = async () => {
    const found = await mapConcurrently(keys, READ_CONCURRENCY, (key) => currentVectors(deps, key));
    keys = [];
    const videos = found.filter((video): video is VideoVectors => video !== undefined);
    counts.skipped += found.length - videos.length;
    for (const outcome of videos.length > 0 ? await deps.vectors.upsertMany(videos) : [])
      counts[outcome === 'written' ? 'indexed' : 'stale']++;
    onProgress?.({ ...counts });
  };
  for await (const { key } of deps.artifacts.list(`${RESULT_PREFIX}/`)) {
    if (!key.endsWith('.json')) continue;
    counts.documents++;
    keys.push(key);
    if (keys.length >= batchSize) await flush();
  }
  await flush();
  return counts;
}
