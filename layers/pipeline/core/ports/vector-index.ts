import { XclipError } from '../../../common/errors.js';

/** Most hits one query returns (the limit of S3 Vectors, kept by every index so they answer alike). */
export const MAX_QUERY_K = 100;

/** How far a vector's length may be from 1 and still count as a unit vector. */
const UNIT_TOLERANCE = 1e-3;

export type VectorKind = 'video' | 'segment';

/** The object version vectors were computed from (SourceObject.version and .sequence). */
export interface VectorVersion {
  version: string;
  /** Fixed-width string whose lexicographic order is the order the versions were written in. */
  sequence: string;
}

interface CommonMetadata {
  /** Top label names, best first. */
  labels: string[];
  /** The video's object key (S3 key, or path in the watched folder). */
  objectKey: string;
  /** When the video's result was completed, ISO 8601. */
  completedAt: string;
}

export type VectorMetadata =
  | (CommonMetadata & { kind: 'video' })
  | (CommonMetadata & { kind: 'segment'; segmentIndex: number; startSeconds: number; endSeconds: number });

export interface VectorEntry {
  vector: Float32Array;
  metadata: VectorMetadata;
}

/** Everything indexed for one video version: its own vector and those of its timeline segments. */
export interface VideoVectors {
  videoId: string;
  version: VectorVersion;
  /** Exactly one entry of kind `video`; segments numbered 0..n-1. */
  entries: VectorEntry[];
}

/** Conditions pushed into the index's query; all given ones must hold. */
export interface VectorFilter {
  /** At least one of these among the vector's labels. */
  labels?: string[];
  /** A folder of object keys, ending in `/` (S3 Vectors filters hold no string prefix, so folders are indexed). */
  keyPrefix?: string;
  /** completedAt in [from, to), ISO 8601; either end may be left open. */
  completedAt?: { from?: string; to?: string };
  kind?: VectorKind;
  /** Segments overlapping [fromSeconds, toSeconds) of their video; video vectors never match. */
  span?: { fromSeconds?: number; toSeconds?: number };
}

export interface VectorQuery {
  /** Hits wanted, 1..MAX_QUERY_K. */
  k: number;
  filter?: VectorFilter;
  /** Leaves out every vector of this video (similar videos of a video). */
  excludeVideoId?: string;
}

export interface VectorHit {
  /** `videoId` for a video vector, `videoId#segmentIndex` for a segment. */
  key: string;
  videoId: string;
  /** Cosine similarity with the query vector. */
  similarity: number;
  metadata: VectorMetadata;
}

/** `written`: the version's vectors replaced what was there; `stale`: a newer version is indexed, nothing changed. */
export type UpsertOutcome = 'written' | 'stale';

/**
 * Nearest-neighbour index of unit vectors of one dimension (cosine), with the metadata the search filters on.
 * A video's vectors, its own and its segments', live and go together: an upsert replaces all that an older
 * or equal version indexed, never those of a newer one, so a redelivery neither duplicates nor regresses.
 */
export interface VectorIndex {
  readonly dimension: number;
  upsert(videoId: string, version: VectorVersion, entries: VectorEntry[]): Promise<UpsertOutcome>;
  /** Many videos at once (a backfill): each as `upsert` would, outcomes in the order given. */
  upsertMany(videos: VideoVectors[]): Promise<UpsertOutcome[]>;
  /** Removes every vector of the video; with `upTo`, only if the indexed version is not newer than it. */
  delete(videoId: string, upTo?: VectorVersion): Promise<void>;
  /** The `k` vectors most similar to `vector` that pass the filter, best first. */
  query(vector: Float32Array, query: VectorQuery): Promise<VectorHit[]>;
}

/** A vector, query or filter that no index accepts. */
export class InvalidVectorInputError extends XclipError {
  constructor(what: string, why: string) {
    super('INVALID_VECTOR_INPUT', what, why);
  }
}

/** The key a vector is stored under. */
export function vectorKey(videoId: string, metadata: VectorMetadata): string {
  return metadata.kind === 'video' ? videoId : `${videoId}#${metadata.segmentIndex}`;
}

/** The folders an object key lies in, outermost first: `a/b/c.mp4` -> `a/`, `a/b/`. */
export function keyFolders(objectKey: string): string[] {
  const folders: string[] = [];
  for (let at = objectKey.indexOf('/'); at !== -1; at = objectKey.indexOf('/', at + 1))
    folders.push(objectKey.slice(0, at + 1));
  return folders;
}

/** Milliseconds since the epoch of an ISO 8601 time, or an error naming `what`. */
export function epochMs(iso: string, what: string): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidVectorInputError(what, `${JSON.stringify(iso)} is not an ISO 8601 time`);
  return ms;
}

/** Checks a vector: a Float32Array of the index's dimension, finite values, unit length. */
export function checkVector(vector: Float32Array, dimension: number, what: string): void {
  if (!(vector instanceof Float32Array)) throw new InvalidVectorInputError(what, 'not a Float32Array');
  if (vector.length !== dimension)
    throw new InvalidVectorInputError(what, `dimension ${vector.length}, the index holds ${dimension}`);
  let squares = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i]!;
    if (!Number.isFinite(value)) throw new InvalidVectorInputError(what, `value ${value} at ${i} is not finite`);
    squares += value * value;
  }
  const length = Math.sqrt(squares);
  if (Math.abs(length - 1) > UNIT_TOLERANCE)
    throw new InvalidVectorInputError(what, `length ${length.toFixed(4)}, not a unit vector`);
}

function checkSegment(metadata: Extract<VectorMetadata, { kind: 'segment' }>, what: string): void {
  const { segmentIndex, startSeconds, endSeconds } = metadata;
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0)
    throw new InvalidVectorInputError(what, `segmentIndex ${segmentIndex} is not a non-negative integer`);
  if (!Number.isFinite(startSeconds) || !Number.isFinite(endSeconds) || startSeconds < 0 || endSeconds < startSeconds)
    throw new InvalidVectorInputError(what, `span ${startSeconds}..${endSeconds} s is not a time range`);
}

/** Checks one video's vectors: dimension, values, metadata, one video vector, segments numbered 0..n-1. */
export function checkVideoVectors({ videoId, version, entries }: VideoVectors, dimension: number): void {
  const what = `vectors of video ${JSON.stringify(videoId)}`;
  if (typeof videoId !== 'string' || videoId.length === 0 || videoId.includes('#'))
    throw new InvalidVectorInputError(what, 'a video id is a non-empty string without "#"');
  if (!version?.version || !version.sequence)
    throw new InvalidVectorInputError(what, 'the object version needs a version and a sequence');
  const segments = new Set<number>();
  let videoVectors = 0;
  for (const [at, { vector, metadata }] of entries.entries()) {
    const entryWhat = `${what}, entry ${at}`;
    checkVector(vector, dimension, entryWhat);
    if (!Array.isArray(metadata.labels) || metadata.labels.some((label) => typeof label !== 'string'))
      throw new InvalidVectorInputError(entryWhat, 'labels must be strings');
    if (typeof metadata.objectKey !== 'string' || metadata.objectKey.length === 0)
      throw new InvalidVectorInputError(entryWhat, 'objectKey must be a non-empty string');
    epochMs(metadata.completedAt, `${entryWhat} completedAt`);
    if (metadata.kind === 'video') videoVectors++;
    else if (metadata.kind === 'segment') {
      checkSegment(metadata, entryWhat);
      segments.add(metadata.segmentIndex);
    } else throw new InvalidVectorInputError(entryWhat, `kind ${JSON.stringify((metadata as { kind: unknown }).kind)}`);
  }
  if (videoVectors !== 1) throw new InvalidVectorInputError(what, `${videoVectors} video vectors, exactly one needed`);
  const segmentCount = entries.length - 1;
  if (segments.size !== segmentCount || [...segments].some((index) => index >= segmentCount))
    throw new InvalidVectorInputError(what, `segment indices must be 0..${segmentCount - 1}, each once`);
}

const FILTER_FIELDS = ['labels', 'keyPrefix', 'completedAt', 'kind', 'span'];

function checkFields(value: object, allowed: string[], what: string): void {
  for (const field of Object.keys(value))
    if (!allowed.includes(field)) throw new InvalidVectorInputError(what, `unknown field ${JSON.stringify(field)}`);
}

function checkFilter(filter: VectorFilter): void {
  checkFields(filter, FILTER_FIELDS, 'vector filter');
  const { labels, keyPrefix, completedAt, kind, span } = filter;
  if (
    labels !== undefined &&
    (!Array.isArray(labels) || labels.length === 0 || labels.some((l) => typeof l !== 'string'))
  )
    throw new InvalidVectorInputError('vector filter labels', 'a non-empty list of label names');
  if (keyPrefix !== undefined && (typeof keyPrefix !== 'string' || !keyPrefix.endsWith('/')))
    throw new InvalidVectorInputError(
      'vector filter keyPrefix',
      `${JSON.stringify(keyPrefix)} is not a folder ending in "/"`,
    );
  if (completedAt !== undefined) {
    checkFields(completedAt, ['from', 'to'], 'vector filter completedAt');
    if (completedAt.from !== undefined) epochMs(completedAt.from, 'vector filter completedAt.from');
    if (completedAt.to !== undefined) epochMs(completedAt.to, 'vector filter completedAt.to');
  }
  if (kind !== undefined && kind !== 'video' && kind !== 'segment')
    throw new InvalidVectorInputError('vector filter kind', `${JSON.stringify(kind)} is not video or segment`);
  if (span !== undefined) {
    checkFields(span, ['fromSeconds', 'toSeconds'], 'vector filter span');
    for (const bound of [span.fromSeconds, span.toSeconds])
      if (bound !== undefined && !Number.isFinite(bound))
        throw new InvalidVectorInputError('vector filter span', `${bound} is not a number of seconds`);
  }
}

/** Checks a query: the vector, k in 1..MAX_QUERY_K, known filter fields with usable values. */
export function checkQuery(vector: Float32Array, query: VectorQuery, dimension: number): void {
  checkVector(vector, dimension, 'query vector');
  checkFields(query, ['k', 'filter', 'excludeVideoId'], 'vector query');
  if (!Number.isInteger(query.k) || query.k < 1 || query.k > MAX_QUERY_K)
    throw new InvalidVectorInputError('vector query', `k ${query.k} is not an integer in 1..${MAX_QUERY_K}`);
  if (query.filter !== undefined) checkFilter(query.filter);
  if (query.excludeVideoId !== undefined && typeof query.excludeVideoId !== 'string')
    throw new InvalidVectorInputError('vector query', 'excludeVideoId must be a video id');
}

/** Checks a batch of videos: each as checkVideoVectors does, and no video twice. */
export function checkVideoBatch(videos: VideoVectors[], dimension: number): void {
  const seen = new Set<string>();
  for (const video of videos) {
    checkVideoVectors(video, dimension);
    if (seen.has(video.videoId))
      throw new InvalidVectorInputError(
        `vectors of video ${JSON.stringify(video.videoId)}`,
        'named twice in one batch',
      );
    seen.add(video.videoId);
  }
}
