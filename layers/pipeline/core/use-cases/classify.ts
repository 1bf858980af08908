import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { XclipError } from '../../../common/errors.js';
import {
  type ByteSource,
  DecoderCrashedError,
  DecodeTimeoutError,
  defaultDecoder,
  MediaError,
} from '../../../media/index.js';
import type { LabelSet } from '../../../xclip/label-sets.js';
import { DEFAULT_CLAIM_LEASE_MS, leaseEnd } from '../claims.js';
import type { ViewLayout } from '../classifier.js';
import { timestampOf } from '../clock.js';
import { InvalidKeyError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { ObjectInfo, ObjectStore } from '../ports/object-store.js';
import type { ResultStore } from '../ports/result-store.js';
import type { VectorIndex } from '../ports/vector-index.js';
import { modelInfoOf, type VideoModel } from '../ports/video-model.js';
import { writeResultDocument } from '../result-document.js';
import { RESULT_SCHEMA_VERSION, type RecordError, type SourceObject, type VideoResult } from '../result-schema.js';
import { artifactKeysFor } from '../storage-keys.js';
import { encodeFloat32 } from '../tensor-codec.js';
import { storeStills } from '../thumbnails.js';
import { videoIdFor } from '../video-id.js';
import { videoVectorsOf } from '../video-vectors.js';
import { announce } from './announce.js';

export interface ClassifyDeps {
  model: VideoModel;
  /** Where the videos are (the watched folder, the upload bucket). */
  sources: ObjectStore;
  /** Where results, embeddings and visual tokens go. */
  artifacts: ObjectStore;
  results: ResultStore;
  /** Where finished videos are indexed for search. */
  vectors: VectorIndex;
  /** Scratch folder for downloaded videos. */
  workDir: string;
  /** How long a claim holds a video (default DEFAULT_CLAIM_LEASE_MS): longer than one delivery may run. */
  claimLeaseMs?: number;
  /** Told of every video that ends DONE or FAILED. */
  notifier?: Notifier;
  now?: () => Date;
}

export interface ClassifySettings {
  labels: LabelSet;
  top: number;
  views?: ViewLayout;
  /** Also label windows of this many seconds (segment mode). */
  timelineSeconds?: number;
}

export type ClassifyOutcome =
  | { status: 'DONE'; id: string; result: VideoResult }
  | { status: 'FAILED'; id: string; error: RecordError }
  /** Nothing to do: this version is finished or superseded, or another delivery holds it. */
  | { status: 'SKIPPED'; id: string; reason: string };

export class ObjectNotFoundError extends XclipError {
  constructor(key: string) {
    super('OBJECT_NOT_FOUND', `video ${key} not found`, 'it was deleted before it could be read');
  }
}

/** Another delivery of the same version holds a live claim: this one comes back later, when it may be finished. */
export class ClaimHeldError extends XclipError {
  constructor(key: string, leaseUntil: string | undefined) {
    super('CLAIM_HELD', `video ${key} is being classified by another delivery`, `its claim lasts until ${leaseUntil}`);
  }
}

/** Errors that say the video itself is unusable: retrying cannot help. */
function isPermanent(error: unknown): boolean {
  return (
    (error instanceof MediaError && !(error instanceof DecodeTimeoutError || error instanceof DecoderCrashedError)) ||
    error instanceof ObjectNotFoundError ||
    error instanceof InvalidKeyError
  );
}

/** A download's scratch name: a plain extension of the key (ffmpeg takes it as a hint), nothing else of it. */
function scratchName(key: string): string {
  const extension = extname(key);
  return `${randomUUID()}${/^\.[A-Za-z0-9]{1,10}$/.test(extension) ? extension : ''}`;
}

/**
 * The object to decode: a local store's own file, read in place; the object's byte ranges where the store serves
 * them and the decoder reads through a ByteSource (named by its key); else a download into `scratch`.
 */
async function openSource(
  sources: ObjectStore,
  key: string,
  scratch: string,
): Promise<{ path: string; source?: ByteSource; info: ObjectInfo | undefined }> {
  if (sources.localPath) return { path: sources.localPath(key), info: await sources.head(key) };
  if (sources.openRanges && defaultDecoder() === 'in-process') {
    const ranged = await sources.openRanges(key);
    return { path: key, source: ranged?.source, info: ranged?.info };
  }
  return { path: scratch, info: await sources.download(key, scratch) };
}

const INTERNAL_ERROR_MESSAGE = 'processing failed on an internal error; the service log has the details';

/**
 * What a record (and so an API client) shows of `error`: our typed errors with their code and message, anything else
 * as INTERNAL without its details, which only the logs get. `retryable` marks a transient failure.
 */
export function recordErrorOf(error: unknown, retryable = false): RecordError {
  const shown =
    error instanceof XclipError
      ? { code: error.code, message: error.message }
      : { code: 'INTERNAL', message: INTERNAL_ERROR_MESSAGE };
  return retryable ? { ...shown, retryable } : shown;
}

/**
 * Records this version FAILED and removes what the index holds of it or of an older version (the record no longer
 * shows that result), never a newer version's vectors; false when the record moved on.
 */
async function failVersion(deps: ClassifyDeps, id: string, source: SourceObject, error: RecordError): Promise<boolean> {
  if (!(await deps.results.fail(id, source.version, error, timestampOf(deps)))) return false;
  await deps.vectors.delete(id, { version: source.version, sequence: source.sequence });
  return true;
}

async function classifyClaimed(
  deps: ClassifyDeps,
  id: string,
  source: SourceObject,
  settings: ClassifySettings,
): Promise<ClassifyOutcome> {
  const started = performance.now();
  const scratch = join(deps.workDir, scratchName(source.key));
  let file = scratch;
  try {
    const opened = await openSource(deps.sources, source.key, scratch);
    file = opened.path;
    if (!opened.info) throw new ObjectNotFoundError(source.key);
    if (opened.info.version !== source.version)
      return { status: 'SKIPPED', id, reason: 'a newer version of the object replaced this one' };
    const downloadMs = performance.now() - started;
    const classified = await deps.model.classifyFile(file, {
      labels: settings.labels,
      top: settings.top,
      views: settings.views,
      timelineSeconds: settings.timelineSeconds,
      thumbnails: true,
      source: opened.source,
    });
    if (file !== scratch && (await deps.sources.head(source.key))?.version !== source.version)
      return { status: 'SKIPPED', id, reason: 'the object changed while it was read' };

    const P = deps.model.model.projectionDim;
    const keys = artifactKeysFor(source.key);
    const result: VideoResult = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      videoId: id,
      source,
      status: 'DONE',
      labelSetId: classified.labelSetId,
      labels: classified.labels,
      video: classified.video,
      model: modelInfoOf(deps.model),
      embedding: { key: keys.embedding, dtype: 'float32', shape: [P] },
      visualTokens: { key: keys.visualTokens, dtype: 'float32', shape: [classified.visualTokens.length / P, P] },
      timings: { downloadMs, ...classified.timings, totalMs: performance.now() - started },
      ...(classified.timeline ? { timeline: classified.timeline } : {}),
      ...(classified.timeline && classified.segmentEmbeddings
        ? {
            segments: {
              embeddings: { key: keys.segments, dtype: 'float32', shape: [classified.timeline.length, P] },
              spans: classified.timeline.map(({ startSeconds, endSeconds }) => ({ startSeconds, endSeconds })),
            },
          }
        : {}),
      completedAt: timestampOf(deps),
    };
    // Artifacts are keyed by object key, not version: a worker that lost its record to a newer
    // version meanwhile must not overwrite that version's artifacts.
    if ((await deps.results.get(id))?.source.version !== source.version)
      return { status: 'SKIPPED', id, reason: 'a newer version arrived while this one was classified' };
    await deps.artifacts.put(keys.embedding, encodeFloat32(classified.embedding), 'application/octet-stream');
    await deps.artifacts.put(keys.visualTokens, encodeFloat32(classified.visualTokens), 'application/octet-stream');
    if (result.segments)
      await deps.artifacts.put(keys.segments, encodeFloat32(classified.segmentEmbeddings!), 'application/octet-stream');
    if (classified.stills) result.thumbnails = await storeStills(deps.artifacts, keys, classified.stills);
    await writeResultDocument(deps.artifacts, result);
    // Indexed before the record says DONE: an index that fails fails the delivery (released, delivered again), so no
    // DONE video is missing from search. Vectors of a version that then does not become DONE are removed again.
    const vectors = videoVectorsOf(result, classified.embedding, classified.segmentEmbeddings);
    await deps.vectors.upsert(id, vectors.version, vectors.entries);
    if (!(await deps.results.complete(id, source.version, result, timestampOf(deps)))) {
      const current = await deps.results.get(id);
      if (current?.status !== 'DONE' || current.source.version !== source.version)
        await deps.vectors.delete(id, vectors.version);
      return { status: 'SKIPPED', id, reason: 'the record moved on while this version was classified' };
    }
    return { status: 'DONE', id, result };
  } catch (error) {
    if (!isPermanent(error)) {
      // A release that fails too (the store is down) leaves the claim to its lease; the delivery reports the first error.
      await deps.results.release(id, source.version, timestampOf(deps)).catch(() => undefined);
      throw error;
    }
    // The media layer names the file it read; the record names the object.
    const recorded = recordErrorOf(error);
    recorded.message = recorded.message.replaceAll(file, source.key);
    await failVersion(deps, id, source, recorded);
    return { status: 'FAILED', id, error: recorded };
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * Classifies one object version and stores its result, idempotently: a version already finished,
 * or older than the one recorded, is skipped. A video that cannot be decoded ends FAILED; any other
 * error is thrown for the queue to retry.
 */
export async function classifyObject(
  deps: ClassifyDeps,
  source: SourceObject,
  settings: ClassifySettings,
): Promise<ClassifyOutcome> {
  const id = videoIdFor(source.bucket, source.key);
  const enqueued = await deps.results.enqueue(id, source, timestampOf(deps));
  if (enqueued === 'stale' || enqueued === 'finished')
    return { status: 'SKIPPED', id, reason: `this version is ${enqueued}` };
  const at = timestampOf(deps);
  if (!(await deps.results.claim(id, source.version, at, leaseEnd(at, deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS)))) {
    const current = await deps.results.get(id);
    if (current?.source.version === source.version && current.status === 'PROCESSING')
      throw new ClaimHeldError(source.key, current.leaseUntil);
    return { status: 'SKIPPED', id, reason: 'the record moved on' };
  }
  return classifyClaimed(deps, id, source, settings);
}

/**
 * One delivery of a queue message: classifyObject, and on the last delivery a transient error is recorded as a
 * retryable FAILED before it is thrown, so the record never stays QUEUED or PROCESSING once the message is dead, and
 * a redriven message, the same upload again, backfill or a retry still finishes it. A delivery that found another
 * one's live claim records nothing: the holder finishes, or its lease ends and the claim counts as abandoned.
 */
export async function classifyDelivery(
  deps: ClassifyDeps,
  source: SourceObject,
  settings: ClassifySettings,
  delivery: { receiveCount: number; maxReceives: number },
): Promise<ClassifyOutcome> {
  let outcome: ClassifyOutcome;
  try {
    outcome = await classifyObject(deps, source, settings);
  } catch (error) {
    if (delivery.receiveCount >= delivery.maxReceives && !(error instanceof ClaimHeldError)) {
      const id = videoIdFor(source.bucket, source.key);
      const recorded = recordErrorOf(error, true);
      if (await failVersion(deps, id, source, recorded))
        await announce(deps, source, { status: 'FAILED', id, error: recorded });
    }
    throw error;
  }
  // Outside the try: the event of a settled video is never taken for a failure of its classification.
  await announce(deps, source, outcome);
  return outcome;
}
