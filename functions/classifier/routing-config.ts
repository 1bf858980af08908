import { z } from 'zod';
import {
  DEFAULT_GPU_MIN_VIDEO_SECONDS,
  type GpuRoutingPolicy,
  MANIFEST_SUFFIX,
} from '../../layers/pipeline/core/index.js';
import { parseEnvironment } from '../shared/environment.js';

function positiveNumber() {
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .pipe(z.number().positive());
}

/**
 * The classifier's routing environment (beside functions/shared/config.ts):
 *
 * | variable               | default          | meaning |
 * | ---------------------- | ---------------- | ------- |
 * | TIMELINE_SECONDS       | (none)           | segment mode: also label every window of this many seconds |
 * | GPU_ENDPOINT_NAME      | (none)           | the SageMaker asynchronous endpoint; unset, every upload stays on Lambda |
 * | GPU_MIN_VIDEO_SECONDS  | 600              | videos at least this long go to the GPU |
 *
 * With an endpoint, uploads ending in .manifest.json are manifests (they go to the GPU too), and request documents
 * are written under gpu-requests/ (layers/pipeline/routing/gpu-keys.ts).
 */
const routingSchema = z.object({
  TIMELINE_SECONDS: positiveNumber().optional(),
  GPU_ENDPOINT_NAME: z
    .string()
    .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/, 'must be a SageMaker endpoint name')
    .max(63)
    .optional(),
  GPU_MIN_VIDEO_SECONDS: positiveNumber().default(DEFAULT_GPU_MIN_VIDEO_SECONDS),
});

export interface RoutingConfig {
  timelineSeconds?: number;
  /** Absent: no GPU endpoint. */
  gpu?: { endpointName: string; policy: GpuRoutingPolicy };
}

export function loadRoutingConfig(env: Record<string, string | undefined> = process.env): RoutingConfig {
  const c = parseEnvironment(routingSchema, env);
  return {
    ...(c.TIMELINE_SECONDS ? { timelineSeconds: c.TIMELINE_SECONDS } : {}),
    ...(c.GPU_ENDPOINT_NAME
      ? {
          gpu: {
            endpointName: c.GPU_ENDPOINT_NAME,
            policy: { minVideoSeconds: c.GPU_MIN_VIDEO_SECONDS, manifestSuffix: MANIFEST_SUFFIX },
          },
        }
      : {}),
  };
}
