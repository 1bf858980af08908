import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_MEDIA_LIMITS } from '../../layers/media/limits.js';
import { parseProviderList } from '../../layers/pipeline/core/index.js';
import type { VectorIndexSettings } from '../../layers/pipeline/runtimes/aws/index.js';
import {
  modelEnvironment,
  NAMES_VECTOR_INDEX,
  namesVectorIndex,
  parseEnvironment,
  positiveInteger,
  vectorIndexEnvironment,
  vectorIndexSettingsOf,
} from '../shared/environment.js';

/**
 * The GPU server's environment (the SageMaker model's container environment, set by infra/lib/gpu-endpoint.ts):
 *
 * | variable                   | default             | meaning |
 * | -------------------------- | ------------------- | ------- |
 * | BUCKET_NAME                | (required)          | videos, manifests, request documents and artifacts |
 * | VECTOR_INDEX_ARN              | (required, or the two below)     | the S3 Vectors index (search) |
 * | VECTOR_BUCKET_NAME, _INDEX_NAME | (none)                        | the index by name instead |
 * | VECTOR_DIMENSION              | 512                             | the model's projection size |
 * | TABLE_NAME                 | (required)          | the result table |
 * | MODEL_DIR                  | /opt/model          | built model directory (fp16 or fp32 for a GPU) |
 * | XCLIP_EXECUTION_PROVIDERS  | cuda,cpu            | ONNX Runtime execution providers, in order of preference |
 * | MAX_VIDEO_BYTES            | 8589934592          | larger objects end FAILED |
 * | MAX_VIDEO_SECONDS          | 10800               | longer videos end FAILED |
 * | VIDEO_CONCURRENCY          | the CPU cores       | videos downloaded and decoded at once, over all requests |
 * | MAX_VIDEO_BATCH            | 32                  | videos of concurrent decoders merged into one vision run |
 * | DECODE_TIMEOUT_SECONDS     | 120                 | one decode step; twice the Lambda's, as decoders share the cores |
 * | LABEL_FEATURE_CACHE_DIR    | /tmp/label-features | text features of non-default label sets |
 * | SAGEMAKER_BIND_TO_PORT     | 8080                | the port SageMaker sends /ping and /invocations to |
 * | EVENT_BUS_NAME             | (none)              | EventBridge bus told of every video that ends DONE or FAILED |
 */
const configSchema = z
  .object({
    ...modelEnvironment,
    ...vectorIndexEnvironment,
    BUCKET_NAME: z.string().min(1),
    TABLE_NAME: z.string().min(1),
    XCLIP_EXECUTION_PROVIDERS: z
      .string()
      .default('cuda,cpu')
      .transform((text, ctx) => {
        const names = parseProviderList(text);
        if (!names) ctx.addIssue({ code: 'custom', message: 'must name providers like cuda, webgpu, cpu' });
        return names ?? z.NEVER;
      }),
    MAX_VIDEO_BYTES: positiveInteger(8 * 1024 ** 3),
    MAX_VIDEO_SECONDS: positiveInteger(3 * 3600),
    VIDEO_CONCURRENCY: positiveInteger(availableParallelism()),
    MAX_VIDEO_BATCH: positiveInteger(32),
    DECODE_TIMEOUT_SECONDS: positiveInteger((2 * DEFAULT_MEDIA_LIMITS.decodeTimeoutMs) / 1000),
    SAGEMAKER_BIND_TO_PORT: z
      .string()
      .regex(/^\d+$/, 'must be a port number')
      .transform(Number)
      .pipe(z.number().int().min(0).max(65535))
      .default(8080),
    EVENT_BUS_NAME: z.string().min(1).optional(),
  })
  .refine(namesVectorIndex, NAMES_VECTOR_INDEX);

export interface GpuServerConfig {
  bucket: string;
  table: string;
  modelDir: string;
  executionProviders: string[];
  maxVideoBytes: number;
  maxVideoSeconds: number;
  videoConcurrency: number;
  maxVideoBatch: number;
  decodeTimeoutMs: number;
  labelFeatureCacheDir: string;
  port: number;
  /** The search index classification writes and search reads. */
  vectorIndex: VectorIndexSettings;
  eventBusName?: string;
}

/** The server's settings from `env`; a ConfigError names every bad variable at once. */
export function loadGpuServerConfig(env: Record<string, string | undefined> = process.env): GpuServerConfig {
  const c = parseEnvironment(configSchema, env);
  return {
    bucket: c.BUCKET_NAME,
    table: c.TABLE_NAME,
    modelDir: c.MODEL_DIR,
    executionProviders: c.XCLIP_EXECUTION_PROVIDERS,
    maxVideoBytes: c.MAX_VIDEO_BYTES,
    maxVideoSeconds: c.MAX_VIDEO_SECONDS,
    videoConcurrency: c.VIDEO_CONCURRENCY,
    maxVideoBatch: c.MAX_VIDEO_BATCH,
    decodeTimeoutMs: c.DECODE_TIMEOUT_SECONDS * 1000,
    labelFeatureCacheDir: c.LABEL_FEATURE_CACHE_DIR,
    port: c.SAGEMAKER_BIND_TO_PORT,
    vectorIndex: vectorIndexSettingsOf(c),
    ...(c.EVENT_BUS_NAME ? { eventBusName: c.EVENT_BUS_NAME } : {}),
  };
}
