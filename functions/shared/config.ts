import { z } from 'zod';
import { commaList } from '../../layers/common/comma-list.js';
import { MAX_PART_BYTES, MIN_PART_BYTES } from '../../layers/pipeline/adapters/aws/index.js';
import {
  DEFAULT_CLAIM_LEASE_MS,
  DEFAULT_UPLOAD_PREFIX,
  DEFAULT_VIDEO_SUFFIXES,
} from '../../layers/pipeline/core/index.js';
import type { VectorIndexSettings } from '../../layers/pipeline/runtimes/aws/index.js';
import {
  modelEnvironment,
  NAMES_VECTOR_INDEX,
  namesVectorIndex,
  parseEnvironment,
  positiveInteger,
  vectorIndexEnvironment,
  vectorIndexSettingsOf,
} from './environment.js';

export { ConfigError } from './environment.js';

function listOf(fallback: string) {
  return z.string().default(fallback).transform(commaList);
}

const DEFAULT_PART_BYTES = 16 * 1024 * 1024;

/**
 * The environment contract between the functions and infra/ (names fixed; defaults here):
 *
 * | variable                      | default                         | meaning |
 * | ----------------------------- | ------------------------------- | ------- |
 * | BUCKET_NAME                   | (required)                      | uploads and artifacts (results/, embeddings/, tokens/) |
 * | VECTOR_INDEX_ARN              | (required, or the two below)     | the S3 Vectors index (search) |
 * | VECTOR_BUCKET_NAME, _INDEX_NAME | (none)                        | the index by name instead |
 * | VECTOR_DIMENSION              | 512                             | the model's projection size |
 * | TABLE_NAME                    | (required)                      | the result table (table-schema.ts) |
 * | QUEUE_URL                     | (required)                      | the ingest queue; its redrive policy gives the classifier's last delivery |
 * | MODEL_DIR                     | /opt/model                      | built model directory (xclip model build) |
 * | UPLOAD_PREFIX                 | videos/                         | where uploads go; other keys are ignored |
 * | VIDEO_SUFFIXES                | .mp4,.mov,...,.wmv              | comma list, case-insensitive; other keys are skipped |
 * | MAX_VIDEO_BYTES               | 2147483648                      | larger objects end FAILED; presigned uploads are capped |
 * | MAX_VIDEO_SECONDS             | 3600                            | longer videos end FAILED |
 * | UPLOAD_PART_BYTES             | 16777216                        | part size of the page's multipart uploads (5 MiB to 5 GiB) |
 * | CORS_ORIGINS                  | (none)                          | comma list of origins the API answers CORS for; "*" for any |
 * | POWERTOOLS_SERVICE_NAME       | (read by Powertools)            | service name in logs and metrics |
 * | POWERTOOLS_METRICS_NAMESPACE  | XclipServerless                 | CloudWatch metrics namespace |
 * | LABEL_FEATURE_CACHE_DIR       | /tmp/label-features             | text features of non-default label sets |
 * | CLAIM_LEASE_SECONDS           | 960                             | how long a claim holds a video (the timeout and a margin) |
 * | EVENT_BUS_NAME                | (none)                          | EventBridge bus told of every video that ends DONE or FAILED |
 * | SIGN_IN_ISSUER, _CLIENT_ID    | (none)                          | the JWT issuer and client the web page signs in through (both or neither) |
 */
const configSchema = z
  .object({
    ...modelEnvironment,
    ...vectorIndexEnvironment,
    BUCKET_NAME: z.string().min(1),
    TABLE_NAME: z.string().min(1),
    QUEUE_URL: z.url(),
    UPLOAD_PREFIX: z.string().default(DEFAULT_UPLOAD_PREFIX),
    VIDEO_SUFFIXES: listOf(DEFAULT_VIDEO_SUFFIXES.join(',')).transform((suffixes) =>
      suffixes.map((suffix) => suffix.toLowerCase()),
    ),
    MAX_VIDEO_BYTES: positiveInteger(2 * 1024 ** 3),
    MAX_VIDEO_SECONDS: positiveInteger(3600),
    UPLOAD_PART_BYTES: z
      .string()
      .regex(/^\d+$/, 'must be a whole number')
      .transform(Number)
      .pipe(z.number().int().min(MIN_PART_BYTES).max(MAX_PART_BYTES))
      .default(DEFAULT_PART_BYTES),
    CORS_ORIGINS: listOf(''),
    POWERTOOLS_METRICS_NAMESPACE: z.string().min(1).default('XclipServerless'),
    CLAIM_LEASE_SECONDS: positiveInteger(DEFAULT_CLAIM_LEASE_MS / 1000),
    EVENT_BUS_NAME: z.string().min(1).optional(),
    SIGN_IN_ISSUER: z.url({ protocol: /^https$/ }).optional(),
    SIGN_IN_CLIENT_ID: z.string().min(1).optional(),
  })
  .refine(namesVectorIndex, NAMES_VECTOR_INDEX)
  .refine((c) => (c.SIGN_IN_ISSUER === undefined) === (c.SIGN_IN_CLIENT_ID === undefined), {
    message: 'SIGN_IN_ISSUER and SIGN_IN_CLIENT_ID go together',
    path: ['SIGN_IN_CLIENT_ID'],
  });

export interface FunctionConfig {
  bucket: string;
  table: string;
  queueUrl: string;
  modelDir: string;
  uploadPrefix: string;
  videoSuffixes: string[];
  maxVideoBytes: number;
  maxVideoSeconds: number;
  /** The part size of the page's multipart uploads. */
  uploadPartBytes: number;
  corsOrigins: string[];
  metricsNamespace: string;
  labelFeatureCacheDir: string;
  claimLeaseMs: number;
  /** The search index classification writes and search reads. */
  vectorIndex: VectorIndexSettings;
  /** Where video events go; none without it. */
  eventBusName?: string;
  /** The issuer and client the web page signs in through; none with IAM auth. */
  signIn?: { issuer: string; clientId: string };
}

/** The functions' settings from `env`; a ConfigError names every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): FunctionConfig {
  const c = parseEnvironment(configSchema, env);
  return {
    bucket: c.BUCKET_NAME,
    table: c.TABLE_NAME,
    queueUrl: c.QUEUE_URL,
    modelDir: c.MODEL_DIR,
    uploadPrefix: c.UPLOAD_PREFIX,
    videoSuffixes: c.VIDEO_SUFFIXES,
    maxVideoBytes: c.MAX_VIDEO_BYTES,
    maxVideoSeconds: c.MAX_VIDEO_SECONDS,
    uploadPartBytes: c.UPLOAD_PART_BYTES,
    corsOrigins: c.CORS_ORIGINS,
    metricsNamespace: c.POWERTOOLS_METRICS_NAMESPACE,
    labelFeatureCacheDir: c.LABEL_FEATURE_CACHE_DIR,
    claimLeaseMs: c.CLAIM_LEASE_SECONDS * 1000,
    vectorIndex: vectorIndexSettingsOf(c),
    ...(c.EVENT_BUS_NAME ? { eventBusName: c.EVENT_BUS_NAME } : {}),
    ...(c.SIGN_IN_ISSUER && c.SIGN_IN_CLIENT_ID
      ? { signIn: { issuer: c.SIGN_IN_ISSUER, clientId: c.SIGN_IN_CLIENT_ID } }
      : {}),
  };
}
