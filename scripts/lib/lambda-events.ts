import { readFileSync } from 'node:fs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeEventKey } from '../../layers/pipeline/adapters/aws/index.js';
import type { ObjectStore } from '../../layers/pipeline/core/index.js';

/** A sample event of events/, parsed. */
export function sampleEvent<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as T;
}

export const lambdaContext = {
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
  memoryLimitInMB: '3008',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

/** An SQS event of messages with these bodies, as the Lambda event source mapping delivers them. */
export function sqsEvent(bodies: string[], receiveCount = 1): SQSEvent {
  const template = sampleEvent<SQSEvent>('sqs-s3-test-event.json').Records[0]!;
  return {
    Records: bodies.map(
      (body, i): SQSRecord => ({
        ...template,
        messageId: `message-${i}`,
        receiptHandle: `receipt-${i}`,
        body,
        attributes: { ...template.attributes, ApproximateReceiveCount: String(receiveCount) },
      }),
    ),
  };
}

interface Notification {
  Records: Array<{ s3: { object: { key: string; eTag?: string; size?: number } } }>;
}

/** The keys an S3 notification body names, decoded. */
export function notificationKeys(body: string): string[] {
  return (JSON.parse(body) as Notification).Records.map((record) => decodeEventKey(record.s3.object.key));
}

/** `body` with each record's eTag and size those of the object now stored, as S3 would have sent it. */
export async function withStoredVersions(body: string, bucket: ObjectStore): Promise<string> {
  const notification = JSON.parse(body) as Notification;
  for (const record of notification.Records) {
    const info = await bucket.head(decodeEventKey(record.s3.object.key));
    if (!info) throw new Error(`no object for ${record.s3.object.key}`);
    Object.assign(record.s3.object, { eTag: info.version, size: info.bytes });
  }
  return JSON.stringify(notification);
}
