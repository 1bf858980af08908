import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_MEDIA_LIMITS } from '../../layers/media/limits.js';
import {
  type AwsClients,
  EventBridgeNotifier,
  queueMaxReceives,
  s3DurationProbe,
} from '../../layers/pipeline/adapters/aws/index.js';
import type { ClassifyDeps, ClassifySettings, GpuRouterDeps } from '../../layers/pipeline/core/index.js';
import { DEFAULT_TOP } from '../../layers/pipeline/core/index.js';
import { createAwsServices } from '../../layers/pipeline/runtimes/aws/index.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from '../../layers/xclip/label-sets.js';
import type { FunctionConfig } from '../shared/config.js';
import { loadVideoModel } from '../shared/model.js';
import { loadRoutingConfig, type RoutingConfig } from './routing-config.js';

/** What the classifier keeps for the life of its container: clients, stores, the model session. */
export interface ClassifierContainer {
  config: FunctionConfig;
  deps: ClassifyDeps;
  settings: ClassifySettings;
  /** Deliveries before the queue dead-letters a message (its redrive policy). */
  maxReceives: number;
  metrics: Metrics;
  /** Hands heavy uploads to the GPU endpoint; absent without one. */
  router?: GpuRouterDeps;
}

function eventNotifier(events: AwsClients['events'], eventBusName: string): EventBridgeNotifier {
  const logger = new Logger();
  return new EventBridgeNotifier(events, eventBusName, (message, details) => logger.warn(message, details));
}

export async function createClassifierContainer(
  config: FunctionConfig,
  routing: RoutingConfig = loadRoutingConfig(),
): Promise<ClassifierContainer> {
  const { gpu } = routing;
  // Uploads and artifacts share the bucket; downloads are capped at MAX_VIDEO_BYTES.
  const { clients, bucket, results, vectors, gpuSender } = createAwsServices({
    ...config,
    maxDownloadBytes: config.maxVideoBytes,
    gpuEndpointName: gpu?.endpointName,
  });
  // The queue first: a model loaded before a failing call would be dropped without its sessions released.
  const maxReceives = await queueMaxReceives(clients.sqs, config.queueUrl);
  const settings: ClassifySettings = {
    labels: resolveLabelSet(DEFAULT_LABEL_SET),
    top: DEFAULT_TOP,
    ...(routing.timelineSeconds ? { timelineSeconds: routing.timelineSeconds } : {}),
  };
  const model = await loadVideoModel(config, true);
  // The label set's text features now: a model that cannot encode them fails the start with a clear error,
  // instead of failing every message as if it were transient.
  await model.labelFeatures(settings.labels).catch(async (error: unknown) => {
    await model.release();
    throw error;
  });
  const metrics = new Metrics({ namespace: config.metricsNamespace });
  metrics.captureColdStartMetric();
  return {
    config,
    deps: {
      model,
      sources: bucket,
      artifacts: bucket,
      results,
      vectors,
      workDir: mkdtempSync(join(tmpdir(), 'xclip-videos-')),
      claimLeaseMs: config.claimLeaseMs,
      ...(config.eventBusName ? { notifier: eventNotifier(clients.events, config.eventBusName) } : {}),
    },
    settings,
    maxReceives,
    metrics,
    ...(gpu && gpuSender
      ? {
          router: {
            policy: gpu.policy,
            sender: gpuSender,
            objects: bucket,
            results,
            durationOf: s3DurationProbe(bucket, DEFAULT_MEDIA_LIMITS.probeTimeoutMs),
          },
        }
      : {}),
  };
}
