import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  sageMaker: SageMakerRuntimeClient;
  s3Vectors: S3VectorsClient;
  events: EventBridgeClient;
}

/** Bounds on every AWS call, so a service that hangs costs seconds, not the function's whole timeout. */
export interface AwsClientTimeouts {
  /** Time to open a connection (default 3 s). */
  connectionTimeoutMs: number;
  /** Time a request may wait without a byte moving (default 30 s; a large download only needs bytes to keep coming). */
  requestTimeoutMs: number;
  /** Tries per call with the SDK's standard backoff, the first included (default 4). */
  maxAttempts: number;
}

export const DEFAULT_AWS_CLIENT_TIMEOUTS: AwsClientTimeouts = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  maxAttempts: 4,
};

/**
 * SDK v3 clients configured from the environment: region, credentials and endpoints
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3/_DYNAMODB/_SQS/_SAGEMAKER_RUNTIME/_S3VECTORS/_EVENTBRIDGE) are read by the SDK
 * itself. With an S3
 * endpoint set (a local server), buckets are addressed by path, since such servers have no
 * per-bucket host names. S3 checksums only where an operation requires one: a presigned PUT must
 * not carry the checksum of the empty body it was signed with.
 */
export function createAwsClients(
  env: Record<string, string | undefined> = process.env,
  timeouts: AwsClientTimeouts = DEFAULT_AWS_CLIENT_TIMEOUTS,
): AwsClients {
  const common = {
    maxAttempts: timeouts.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Without it the SDK only logs a request past its timeout and goes on waiting.
      throwOnRequestTimeout: true,
    },
  };
  return {
    s3: new S3Client({
      ...common,
      forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(common), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    sqs: new SQSClient(common),
    sageMaker: new SageMakerRuntimeClient(common),
    s3Vectors: new S3VectorsClient(common),
    events: new EventBridgeClient(common),
  };
}
