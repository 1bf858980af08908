import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { DEFAULT_MEDIA_LIMITS } from '../../layers/media/limits.js';
import { createAwsClients } from '../../layers/pipeline/adapters/aws/clients.js';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { s3DurationProbe } from '../../layers/pipeline/adapters/aws/s3-duration-probe.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { SageMakerGpuEndpoint } from '../../layers/pipeline/adapters/aws/sagemaker-gpu-endpoint.js';
import { queueMaxReceives } from '../../layers/pipeline/adapters/aws/sqs-ingest-queue.js';
import { GPU_REQUEST_PREFIX } from '../../layers/pipeline/core/routing/gpu-keys.js';
import { GpuRequestSender } from '../../layers/pipeline/core/routing/gpu-request-sender.js';
import type { GpuRouterDeps } from '../../layers/pipeline/core/routing/gpu-router.js';
import { DEFAULT_TOP } from '../../layers/pipeline/core/top-labels.js';
import type { ClassifyDeps, ClassifySettings } from '../../layers/pipeline/core/use-cases/classify.js';
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

export async function createClassifierContainer(
  config: FunctionConfig,
  routing: RoutingConfig = loadRoutingConfig(),
): Promise<ClassifierContainer> {
  const clients = createAwsClients();
  // Uploads and artifacts share the bucket; downloads are capped at MAX_VIDEO_BYTES.
  const bucket = new S3ObjectStore(clients.s3, config.bucket, { maxDownloadBytes: config.maxVideoBytes });
  // The queue first: a model loaded before a failing call would be dropped without its sessions released.
  const maxReceives = await queueMaxReceives(clients.sqs, config.queueUrl);
  const model = await loadVideoModel(config);
  const metrics = new Metrics({ namespace: config.metricsNamespace });
  metrics.captureColdStartMetric();
  const results = new DynamoResultStore(clients.dynamo, config.table);
  const { gpu } = routing;
  return {
    config,
    deps: { model, sources: bucket, artifacts: bucket, results, workDir: mkdtempSync(join(tmpdir(), 'xclip-videos-')) },
    settings: {
      labels: resolveLabelSet(DEFAULT_LABEL_SET),
      top: DEFAULT_TOP,
      ...(routing.timelineSeconds ? { timelineSeconds: routing.timelineSeconds } : {}),
    },
    maxReceives,
    metrics,
    ...(gpu
      ? {
          router: {
            policy: gpu.policy,
            sender: new GpuRequestSender(
              bucket,
              new SageMakerGpuEndpoint(new SageMakerRuntimeClient({}), gpu.endpointName),
              GPU_REQUEST_PREFIX,
            ),
            objects: bucket,
            results,
            durationOf: s3DurationProbe(clients.s3, DEFAULT_MEDIA_LIMITS.probeTimeoutMs),
          },
        }
      : {}),
  };
}
