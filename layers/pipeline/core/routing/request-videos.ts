import type { z } from 'zod';
import { mapConcurrently } from '../../../common/concurrency.js';
import { InvalidRequestError } from '../errors.js';
import { type ObjectStore, sourceObjectOf } from '../ports/object-store.js';
import type { SourceObject } from '../result-schema.js';
import { type ClassifyOptions, type GpuRequest, manifestSchema, type VideoRef } from './gpu-request.js';
import { readJsonDocument } from './json-document.js';
import { keyInBucket } from './s3-uri.js';

/** HEAD requests in flight at once while URIs are resolved to object versions. */
const HEAD_CONCURRENCY = 16;

/** A video of a request: its object version, or just its key when no such object exists. */
export type ResolvedVideo = { source: SourceObject } | { missingKey: string };

/** The videos and options of a request, a manifest's read from `objects` (which must hold it). */
export async function requestedVideos(
  objects: ObjectStore,
  request: GpuRequest,
): Promise<{ refs: VideoRef[]; options: ClassifyOptions }> {
  const { video, videos, manifest, ...options } = request;
  if (manifest === undefined) return { refs: video !== undefined ? [video] : videos!, options };
  const { videos: listed, ...manifestOptions } = await readManifest(
    objects,
    keyInBucket(manifest, objects.bucket, 'manifest'),
  );
  return { refs: listed, options: { ...manifestOptions, ...options } };
}

/** A manifest object (manifestSchema); NotFoundError or InvalidRequestError when it is missing or malformed. */
export function readManifest(objects: ObjectStore, key: string): Promise<z.infer<typeof manifestSchema>> {
  return readJsonDocument(objects, key, manifestSchema, `manifest ${key}`);
}

function pinnedIn(source: SourceObject, bucket: string): SourceObject {
  if (source.bucket !== bucket)
    throw new InvalidRequestError(
      `invalid video ${JSON.stringify(source.key)}`,
      `only objects of bucket ${bucket} can be read`,
    );
  return source;
}

/**
 * The object version each ref names in `objects`: pinned versions as given, URIs by HEAD (their current
 * version). Refs to another bucket are refused before anything is read.
 */
export async function resolveVideos(objects: ObjectStore, refs: readonly VideoRef[]): Promise<ResolvedVideo[]> {
  const wanted = refs.map((ref) =>
    typeof ref === 'string' ? keyInBucket(ref, objects.bucket, 'video') : pinnedIn(ref, objects.bucket),
  );
  return mapConcurrently(wanted, HEAD_CONCURRENCY, async (want): Promise<ResolvedVideo> => {
    if (typeof want !== 'string') return { source: want };
    const info = await objects.head(want);
    return info ? { source: sourceObjectOf(objects.bucket, { ...info, key: want }) } : { missingKey: want };
  });
}
