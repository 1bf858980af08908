import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
}

/**
 * SDK v3 clients configured from the environment: region, credentials and endpoints
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3/_DYNAMODB/_SQS) are read by the SDK itself. With an S3
 * endpoint set (a local server), buckets are addressed by path, since such servers have no
 * per-bucket host names. S3 checksums only where an operation requires one: a presigned PUT must
 * not carry the checksum of the empty body it was signed with.
 */
export function createAwsClients(env: Record<string, string | undefined> = process.env): AwsClients {
  return {
    s3: new S3Client({
      forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    sqs: new SQSClient({}),
  };
}
