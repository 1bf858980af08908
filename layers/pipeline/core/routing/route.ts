/** Videos at least this long go to the GPU unless a deployment says otherwise: ten minutes of video. */
export const DEFAULT_GPU_MIN_VIDEO_SECONDS = 600;

/** When the GPU endpoint takes a job instead of the Lambda classifier. */
export interface GpuRoutingPolicy {
  /** Videos lasting at least this many seconds go to the GPU. */
  minVideoSeconds: number;
  /** Uploads whose key ends in this (any case) are manifests, which always go to the GPU. */
  manifestSuffix: string;
}

export type RouteReason = 'manifest' | 'timeline' | 'duration';

export type Route = { target: 'lambda' } | { target: 'gpu'; reason: RouteReason };

export interface Job {
  key: string;
  /** Segment mode: also label windows of this many seconds. */
  timelineSeconds?: number;
}

export function isManifestKey(key: string, policy: GpuRoutingPolicy): boolean {
  return key.toLowerCase().endsWith(policy.manifestSuffix.toLowerCase());
}

/**
 * Where `job` runs when there is a GPU endpoint: manifests and timeline jobs go to the GPU, other videos when they
 * last at least `minVideoSeconds`. `durationOf` is asked only when
 * nothing else decides, since measuring reads the object; an unknown duration stays on Lambda, which records why
 * the video cannot be read.
 */
export async function chooseRoute(
  policy: GpuRoutingPolicy,
  job: Job,
  durationOf: () => Promise<number | undefined>,
): Promise<Route> {
  if (isManifestKey(job.key, policy)) return { target: 'gpu', reason: 'manifest' };
  if (job.timelineSeconds) return { target: 'gpu', reason: 'timeline' };
  const seconds = await durationOf();
  return seconds !== undefined && seconds >= policy.minVideoSeconds
    ? { target: 'gpu', reason: 'duration' }
    : { target: 'lambda' };
}
