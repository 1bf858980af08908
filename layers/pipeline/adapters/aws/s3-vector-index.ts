import {
  DeleteVectorsCommand,
  type DeleteVectorsCommandInput,
  GetVectorsCommand,
  PutVectorsCommand,
  type PutVectorsCommandInput,
  QueryVectorsCommand,
  type QueryVectorsCommandInput,
  type S3VectorsClient,
} from '@aws-sdk/client-s3vectors';
import {
  checkQuery,
  checkVideoBatch,
  epochMs,
  keyFolders,
  type UpsertOutcome,
  type VectorEntry,
  type VectorFilter,
  type VectorHit,
  type VectorIndex,
  type VectorMetadata,
  type VectorQuery,
  type VectorVersion,
  type VideoVectors,
  vectorKey,
} from '../../core/index.js';

/** Metadata the adapter reads back but never filters on: the index must be created with these as non-filterable. */
export const NON_FILTERABLE_METADATA_KEYS = ['objectKey', 'version', 'sequence', 'segmentIndex', 'segmentCount'];

/** Service limits per request (S3 Vectors user guide, limitations). */
const PUT_BATCH = 500;
const DELETE_BATCH = 500;
const GET_BATCH = 100;

export interface S3VectorIndexOptions {
  client: S3VectorsClient;
  /** The index, by ARN (as the stack passes it) or by bucket and index name. */
  target: { indexArn: string } | { vectorBucketName: string; indexName: string };
  /** The dimension the index was created with. */
  dimension: number;
}

/** What S3 Vectors stores beside each vector; filterable keys first, then NON_FILTERABLE_METADATA_KEYS. */
// A type, not an interface: the SDK's metadata document type needs the implicit index signature.
type StoredMetadata = {
  videoId: string;
  kind: VectorMetadata['kind'];
  labels?: string[];
  /** The folders of objectKey, for keyPrefix filters (S3 Vectors has no prefix operator). */
  folders?: string[];
  completedAt: number;
  startSeconds?: number;
  endSeconds?: number;
  objectKey: string;
  version: string;
  sequence: string;
  segmentIndex?: number;
  /** On the video vector only: how many segment vectors the video has, so a replacement can delete the extra. */
  segmentCount?: number;
};

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

function storedMetadata(videoId: string, version: VectorVersion, entry: VectorEntry, segments: number): StoredMetadata {
  const { metadata } = entry;
  const folders = keyFolders(metadata.objectKey);
  return {
    videoId,
    kind: metadata.kind,
    ...(metadata.labels.length > 0 ? { labels: metadata.labels } : {}),
    ...(folders.length > 0 ? { folders } : {}),
    completedAt: epochMs(metadata.completedAt, 'completedAt'),
    objectKey: metadata.objectKey,
    version: version.version,
    sequence: version.sequence,
    ...(metadata.kind === 'segment'
      ? { startSeconds: metadata.startSeconds, endSeconds: metadata.endSeconds, segmentIndex: metadata.segmentIndex }
      : { segmentCount: segments }),
  };
}

function metadataOf(stored: StoredMetadata): VectorMetadata {
  const common = {
    labels: stored.labels ?? [],
    objectKey: stored.objectKey,
    completedAt: new Date(stored.completedAt).toISOString(),
  };
  return stored.kind === 'segment'
    ? {
        ...common,
        kind: 'segment',
        segmentIndex: stored.segmentIndex!,
        startSeconds: stored.startSeconds!,
        endSeconds: stored.endSeconds!,
      }
    : { ...common, kind: 'video' };
}

type Filter = NonNullable<QueryVectorsCommandInput['filter']>;

/** The filter as an S3 Vectors metadata filter document. */
function filterOf(filter: VectorFilter = {}, excludeVideoId?: string): Filter | undefined {
  const terms: Filter[] = [];
  if (filter.labels) terms.push({ labels: { $in: filter.labels } });
  if (filter.keyPrefix !== undefined) terms.push({ folders: { $eq: filter.keyPrefix } });
  if (filter.completedAt?.from !== undefined)
    terms.push({ completedAt: { $gte: epochMs(filter.completedAt.from, 'from') } });
  if (filter.completedAt?.to !== undefined) terms.push({ completedAt: { $lt: epochMs(filter.completedAt.to, 'to') } });
  if (filter.kind !== undefined) terms.push({ kind: { $eq: filter.kind } });
  if (filter.span) {
    terms.push({ kind: { $eq: 'segment' } });
    if (filter.span.toSeconds !== undefined) terms.push({ startSeconds: { $lt: filter.span.toSeconds } });
    if (filter.span.fromSeconds !== undefined) terms.push({ endSeconds: { $gt: filter.span.fromSeconds } });
  }
  if (excludeVideoId !== undefined) terms.push({ videoId: { $ne: excludeVideoId } });
  if (terms.length === 0) return undefined;
  return terms.length === 1 ? terms[0] : { $and: terms };
}

const segmentKeys = (videoId: string, from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, at) => `${videoId}#${from + at}`);

/**
 * The vector index on Amazon S3 Vectors (cosine). Each video's own vector carries its version and segment
 * count; an upsert reads them, writes the new vectors (segments first, the video's own last) and deletes
 * the segments the new version no longer has. S3 Vectors has no conditional writes, so the version check
 * is read-then-write: two writers of one video at the same moment could interleave, and callers write a
 * video's vectors after the result store's conditional completion of that version, which orders them.
 */
export class S3VectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly #client: S3VectorsClient;
  readonly #target: S3VectorIndexOptions['target'];

  constructor(options: S3VectorIndexOptions) {
    this.#client = options.client;
    this.dimension = options.dimension;
    this.#target = options.target;
  }

  upsert(videoId: string, version: VectorVersion, entries: VectorEntry[]): Promise<UpsertOutcome> {
    return this.upsertMany([{ videoId, version, entries }]).then(([outcome]) => outcome!);
  }

  async upsertMany(videos: VideoVectors[]): Promise<UpsertOutcome[]> {
    checkVideoBatch(videos, this.dimension);
    const indexed = await this.#indexedVideos(videos.map((video) => video.videoId));
    const outcomes = videos.map(({ videoId, version }): UpsertOutcome => {
      const sequence = indexed.get(videoId)?.sequence;
      return sequence !== undefined && sequence > version.sequence ? 'stale' : 'written';
    });
    const fresh = videos.filter((_, at) => outcomes[at] === 'written');
    const vectors = fresh.flatMap(({ videoId, version, entries }) =>
      entries
        .map((entry) => ({
          key: vectorKey(videoId, entry.metadata),
          data: { float32: Array.from(entry.vector) },
          metadata: storedMetadata(videoId, version, entry, entries.length - 1),
        }))
        .sort((a, b) => Number(a.metadata.kind === 'video') - Number(b.metadata.kind === 'video')),
    );
    for (const batch of chunks(vectors, PUT_BATCH)) await this.#put(batch);
    const extra = fresh.flatMap(({ videoId, entries }) =>
      segmentKeys(videoId, entries.length - 1, indexed.get(videoId)?.segmentCount ?? 0),
    );
    await this.#delete(extra);
    return outcomes;
  }

  async delete(videoId: string, upTo?: VectorVersion): Promise<void> {
    const indexed = (await this.#indexedVideos([videoId])).get(videoId);
    if (!indexed || (upTo && indexed.sequence > upTo.sequence)) return;
    await this.#delete([videoId, ...segmentKeys(videoId, 0, indexed.segmentCount ?? 0)]);
  }

  async query(vector: Float32Array, query: VectorQuery): Promise<VectorHit[]> {
    checkQuery(vector, query, this.dimension);
    const { vectors = [] } = await this.#client.send(
      new QueryVectorsCommand({
        ...this.#target,
        topK: query.k,
        queryVector: { float32: Array.from(vector) },
        filter: filterOf(query.filter, query.excludeVideoId),
        returnMetadata: true,
        returnDistance: true,
      }),
    );
    return vectors.map(({ key, distance, metadata }) => {
      const stored = metadata as unknown as StoredMetadata;
      return { key: key!, videoId: stored.videoId, similarity: 1 - distance!, metadata: metadataOf(stored) };
    });
  }

  /** Version and segment count of each of these videos that is indexed. */
  async #indexedVideos(videoIds: string[]): Promise<Map<string, StoredMetadata>> {
    const indexed = new Map<string, StoredMetadata>();
    for (const keys of chunks(videoIds, GET_BATCH)) {
      const { vectors = [] } = await this.#client.send(
        new GetVectorsCommand({ ...this.#target, keys, returnMetadata: true }),
      );
      for (const { key, metadata } of vectors) indexed.set(key!, metadata as unknown as StoredMetadata);
    }
    return indexed;
  }

  async #put(vectors: PutVectorsCommandInput['vectors']): Promise<void> {
    await this.#client.send(new PutVectorsCommand({ ...this.#target, vectors }));
  }

  async #delete(keys: NonNullable<DeleteVectorsCommandInput['keys']>): Promise<void> {
    for (const batch of chunks(keys, DELETE_BATCH))
      await this.#client.send(new DeleteVectorsCommand({ ...this.#target, keys: batch }));
  }
}
