import { mapConcurrently } from '../../../common/concurrency.js';
import { LabelSetError } from '../../../xclip/label-sets.js';
import { timestampOf } from '../clock.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ResultStore } from '../ports/result-store.js';
import type { RecordError, SourceObject } from '../result-schema.js';
import { type ClassifySettings, recordErrorOf } from '../use-cases/classify.js';
import { videoIdFor } from '../video-id.js';
import { type ClassifyOptions, optionsOf, settingsOf } from './gpu-request.js';
import type { GpuRequestSender, GpuSubmission } from './gpu-request-sender.js';
import { readManifest, resolveVideos } from './request-videos.js';
import { chooseRoute, type GpuRoutingPolicy, type RouteReason } from './route.js';

/** Record writes in flight at once while a manifest's videos are queued. */
const ENQUEUE_CONCURRENCY = 16;
/**
 * Videos per request to the endpoint: a request must finish within SageMaker's hour, and a big manifest spreads
 * over the instances the endpoint scales out to.
 */
export const VIDEOS_PER_GPU_REQUEST = 100;

export interface GpuRouterDeps {
  policy: GpuRoutingPolicy;
  sender: GpuRequestSender;
  /** The upload bucket: manifests are read from it and the videos they name resolved in it. */
  objects: ObjectStore;
  results: ResultStore;
  /** Seconds of video in `source`, or undefined when they cannot be told. */
  durationOf(source: SourceObject): Promise<number | undefined>;
  now?: () => Date;
}

export type RoutedUpload =
  | { target: 'lambda' }
  /** `skipped`: videos already finished or superseded, or (in a manifest) missing. */
  | { target: 'gpu'; reason: RouteReason; submissions: GpuSubmission[]; skipped: number }
  /** A manifest that cannot be used (missing, malformed, bad labels): retrying cannot help. */
  | { target: 'rejected'; error: RecordError };

/**
 * Records each version QUEUED, unless it is finished or superseded, and hands the rest to the GPU in requests of
 * VIDEOS_PER_GPU_REQUEST. A version already QUEUED or PROCESSING is sent too: a backfill queued it, or a redelivery
 * finds it again, and the GPU's conditional writes absorb a duplicate.
 */
async function submit(
  deps: GpuRouterDeps,
  sources: readonly SourceObject[],
  options: ClassifyOptions,
  missing: number,
): Promise<{ submissions: GpuSubmission[]; skipped: number }> {
  const at = timestampOf(deps);
  const outcomes = await mapConcurrently(sources, ENQUEUE_CONCURRENCY, (source) =>
    deps.results.enqueue(videoIdFor(source.bucket, source.key), source, at),
  );
  const open = sources.filter((_, i) => outcomes[i] === 'queued' || outcomes[i] === 'pending');
  const submissions: GpuSubmission[] = [];
  for (let start = 0; start < open.length; start += VIDEOS_PER_GPU_REQUEST)
    submissions.push(await deps.sender.send(open.slice(start, start + VIDEOS_PER_GPU_REQUEST), options));
  return { submissions, skipped: sources.length - open.length + missing };
}

/** The videos a manifest names that exist, with its options (label sets checked before anything is queued). */
async function manifestJob(
  deps: GpuRouterDeps,
  key: string,
): Promise<{ sources: SourceObject[]; options: ClassifyOptions; missing: number }> {
  const { videos, ...options } = await readManifest(deps.objects, key);
  settingsOf(options);
  const resolved = await resolveVideos(deps.objects, videos);
  const sources = resolved.flatMap((video) => ('source' in video ? [video.source] : []));
  return { sources, options, missing: resolved.length - sources.length };
}

/**
 * Where one upload is classified: 'lambda' leaves it to the caller; otherwise it (or the videos of the manifest it
 * is) has been queued on the GPU endpoint with the caller's settings (a manifest's own options for a manifest).
 */
export async function routeUpload(
  deps: GpuRouterDeps,
  source: SourceObject,
  settings: ClassifySettings,
): Promise<RoutedUpload> {
  const route = await chooseRoute(deps.policy, { key: source.key, timelineSeconds: settings.timelineSeconds }, () =>
    deps.durationOf(source),
  );
  if (route.target === 'lambda') return route;
  if (route.reason !== 'manifest') return { ...route, ...(await submit(deps, [source], optionsOf(settings), 0)) };
  let job: Awaited<ReturnType<typeof manifestJob>>;
  try {
    job = await manifestJob(deps, source.key);
  } catch (error) {
    if (error instanceof InvalidRequestError || error instanceof NotFoundError || error instanceof LabelSetError)
      return { target: 'rejected', error: recordErrorOf(error) };
    throw error;
  }
  return { ...route, ...(await submit(deps, job.sources, job.options, job.missing)) };
}
