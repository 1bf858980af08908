import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyLimit } from '../../layers/common/concurrency.js';
import { EventBridgeNotifier } from '../../layers/pipeline/adapters/aws/index.js';
import type { BatchDeps, VideoClassifier } from '../../layers/pipeline/core/index.js';
import { createAwsServices } from '../../layers/pipeline/runtimes/aws/index.js';
import type { GpuServerConfig } from './config.js';

/** A transient error gets one more try per video within a request; then the video is recorded FAILED. */
const MAX_ATTEMPTS = 2;

/**
 * What the GPU server classifies batches with, once its model is loaded: the AWS services of `config`
 * (videos and artifacts share the bucket, as on the Lambda path; downloads capped at MAX_VIDEO_BYTES),
 * one work folder, and one set of decoding slots for the whole server, since SageMaker may send several
 * requests at once.
 */
export function gpuBatchServices(
  config: GpuServerConfig,
  warn: (message: string, details: Record<string, unknown>) => void,
): (model: VideoClassifier) => BatchDeps {
  const { clients, bucket, results, vectors } = createAwsServices({
    ...config,
    maxDownloadBytes: config.maxVideoBytes,
  });
  const notifier = config.eventBusName && new EventBridgeNotifier(clients.events, config.eventBusName, warn);
  const workDir = mkdtempSync(join(tmpdir(), 'xclip-videos-'));
  const slots = new ConcurrencyLimit(config.videoConcurrency);
  return (model) => ({
    model,
    sources: bucket,
    artifacts: bucket,
    results,
    vectors,
    workDir,
    maxAttempts: MAX_ATTEMPTS,
    slots,
    ...(notifier ? { notifier } : {}),
  });
}
