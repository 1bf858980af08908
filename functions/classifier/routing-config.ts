import { z } from 'zod';
import type { GpuRoutingPolicy } from '../../layers/pipeline/routing/route.js';
import { parseEnvironment } from '../shared/environment.js';

function positiveNumber() {
  return z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive number').transform(Number).pipe(z.number().positive());
}

/**
 * The classifier's routing environment (beside functions/shared/config.ts):
 *
 * | variable               | default          | meaning |
 * | ---------------------- | ---------------- | ------- |
 * | TIMELINE_SECONDS       | (none)           | segment mode: also label every window of this many seconds |
 * | GPU_ENDPOINT_NAME      | (none)           | the SageMaker asynchronous endpoint; unset, every upload stays on Lambda |
 * | GPU_MIN_VIDEO_SECONDS  | 600              | videos at least this long go to the GPU |
 * | GPU_REQUEST_PREFIX     | gpu-requests/    | where request documents for the endpoint are written |
 * | GPU_MANIFEST_SUFFIX    | .manifest.json   | uploads ending in it are manifests, which go to the GPU |
 */
const routingSchema = z.object({
  TIMELINE_SECONDS: positiveNumber().optional(),
  GPU_ENDPOINT_NAME: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be a SageMaker endpoint name').max(63).optional(),
  GPU_MIN_VIDEO_SECONDS: positiveNumber().default(600),
  GPU_REQUEST_PREFIX: z.string().regex(/^[^/*?][^*?]*\/$/, 'must be a key prefix ending in /').default('gpu-requests/'),
  GPU_MANIFEST_SUFFIX: z.string().regex(/^\.[^/]+$/, 'must be a key suffix starting with .').transform((suffix) => suffix.toLowerCase()).default('.manifest.json'),
});

export interface RoutingConfig {
  timelineSeconds?: number;
  /** Absent: no GPU endpoint. */
  gpu?: { endpointName: string; requestPrefix: string; policy: GpuRoutingPolicy };
}

export function loadRoutingConfig(env: Record<string, string | undefined> = process.env): RoutingConfig {
  const c = parseEnvironment(routingSchema, env);
  return {
    ...(c.TIMELINE_SECONDS ? { timelineSeconds: c.TIMELINE_SECONDS } : {}),
    ...(c.GPU_ENDPOINT_NAME ? {
      gpu: {
        endpointName: c.GPU_ENDPOINT_NAME,
        requestPrefix: c.GPU_REQUEST_PREFIX,
        policy: { minVideoSeconds: c.GPU_MIN_VIDEO_SECONDS, manifestSuffix: c.GPU_MANIFEST_SUFFIX },
      },
    } : {}),
  };
}
