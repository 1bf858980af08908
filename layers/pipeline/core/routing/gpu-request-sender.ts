import { randomUUID } from 'node:crypto';
import type { GpuEndpoint } from '../ports/gpu-endpoint.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { SourceObject } from '../result-schema.js';
import type { ClassifyOptions, GpuRequest } from './gpu-request.js';
import { s3Uri } from './s3-uri.js';

/** One request the GPU endpoint accepted. */
export interface GpuSubmission {
  /** The request document, in the request store. */
  requestKey: string;
  inferenceId: string;
  videos: number;
  outputLocation?: string;
}

/**
 * Hands videos to the GPU endpoint: one request document (gpuRequestSchema) naming their pinned versions is
 * written under `prefix`, and the endpoint is invoked with its location (an async endpoint reads its input from S3).
 */
export class GpuRequestSender {
  constructor(
    private readonly requests: ObjectStore,
    private readonly endpoint: GpuEndpoint,
    private readonly prefix: string,
  ) {}

  async send(sources: readonly SourceObject[], options: ClassifyOptions): Promise<GpuSubmission> {
    const inferenceId = randomUUID();
    const requestKey = `${this.prefix}${inferenceId}.json`;
    const request: GpuRequest = { ...options, videos: [...sources] };
    await this.requests.put(requestKey, Buffer.from(JSON.stringify(request)), 'application/json');
    const { outputLocation } = await this.endpoint.submit(
      s3Uri({ bucket: this.requests.bucket, key: requestKey }),
      inferenceId,
    );
    return { requestKey, inferenceId, videos: sources.length, ...(outputLocation ? { outputLocation } : {}) };
  }
}
