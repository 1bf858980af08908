import { timestampOf } from '../clock.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ResultStore } from '../ports/result-store.js';
import type { RecordError, SourceObject } from '../result-schema.js';
import { videoIdFor } from '../video-id.js';
import { gpuRequestSchema, gpuSummarySchema } from './gpu-request.js';
import { readJsonDocument } from './json-document.js';
import { requestedVideos, resolveVideos } from './request-videos.js';
import { keyInBucket } from './s3-uri.js';

/** How an asynchronous GPU request ended, as the endpoint's notification says. */
export type GpuNotification =
  | { status: 'Completed'; outputLocation: string }
  | { status: 'Failed'; inputLocation: string; reason: string };

export interface SettleDeps {
  /** The bucket of the request documents and outputs, and of the videos they name. */
  objects: ObjectStore;
  results: ResultStore;
  now?: () => Date;
}

export interface Settled {
  /** Videos the notification says failed. */
  failed: number;
  /** Of those, how many this call recorded FAILED (the others were finished already). */
  recorded: number;
}

/** Records one version FAILED (from QUEUED, as a request that never ran leaves it, or PROCESSING) unless it is finished or superseded. */
function recordFailure(deps: SettleDeps, source: SourceObject, error: RecordError, at: string): Promise<boolean> {
  return deps.results.fail(videoIdFor(source.bucket, source.key), source.version, error, at);
}

/** The videos a notification says failed, with why. */
async function failuresOf(
  deps: SettleDeps,
  notification: GpuNotification,
): Promise<Array<{ source: SourceObject; error: RecordError }>> {
  const { objects } = deps;
  if (notification.status === 'Completed') {
    const key = keyInBucket(notification.outputLocation, objects.bucket, 'GPU output location');
    const summary = await readJsonDocument(objects, key, gpuSummarySchema, `GPU output ${key}`);
    return summary.videos.flatMap((video) =>
      video.status === 'FAILED' && video.source ? [{ source: video.source, error: video.error }] : [],
    );
  }
  const key = keyInBucket(notification.inputLocation, objects.bucket, 'GPU request location');
  const { refs } = await requestedVideos(
    objects,
    await readJsonDocument(objects, key, gpuRequestSchema, `GPU request ${key}`),
  );
  const error = {
    code: 'GPU_REQUEST_FAILED',
    message: `the GPU endpoint failed request ${key} (${notification.reason})`,
    retryable: true,
  };
  return (await resolveVideos(objects, refs)).flatMap((video) =>
    'source' in video ? [{ source: video.source, error }] : [],
  );
}

/**
 * Settles one GPU request after the endpoint's notification, idempotently (notifications arrive at least once).
 * The GPU stored every result it reached through the classify use case already; what is left is recording the
 * videos that failed there without a record saying so (a failed write), and every video of a request the endpoint
 * failed as a whole (container error, timeout, expiry) that is still QUEUED or PROCESSING.
 */
export async function settleGpuRequest(deps: SettleDeps, notification: GpuNotification): Promise<Settled> {
  const at = timestampOf(deps);
  const failures = await failuresOf(deps, notification);
  let recorded = 0;
  for (const { source, error } of failures) if (await recordFailure(deps, source, error, at)) recorded++;
  return { failed: failures.length, recorded };
}
