import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { XclipError } from '../../../common/errors.js';
import type { IngestSink, QueuedObject } from '../../core/index.js';
import { s3NotificationBody } from './s3-notification.js';

const SQS_BATCH = 10;

/** SQS refused some messages of a batch (after their one retry). */
export class QueueSendError extends XclipError {
  constructor(count: number, why: string) {
    super('QUEUE_SEND', `could not queue ${count} object(s)`, why);
  }
}

/**
 * Sends object versions to the ingest queue as S3-event-shaped messages, so the classifier reads
 * them exactly like S3's own notifications.
 */
export class SqsIngestQueue implements IngestSink {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  /** SendMessageBatch in tens; entries SQS refuses are sent once more, then reported. */
  async sendAll(objects: readonly QueuedObject[]): Promise<void> {
    for (let start = 0; start < objects.length; start += SQS_BATCH) {
      let entries = objects
        .slice(start, start + SQS_BATCH)
        .map((object, i) => ({ Id: String(i), MessageBody: s3NotificationBody(object.source, object.bytes) }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const { Failed = [] } = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        if (Failed.length > 0 && attempt > 0)
          throw new QueueSendError(Failed.length, Failed.map((failure) => failure.Message ?? failure.Code).join('; '));
        entries = entries.filter((entry) => Failed.some((failure) => failure.Id === entry.Id));
      }
    }
  }
}

/** Deliveries a message of the queue gets before its redrive policy dead-letters it; Infinity without one. */
export async function queueMaxReceives(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  if (!Attributes?.RedrivePolicy) return Number.POSITIVE_INFINITY;
  return Number((JSON.parse(Attributes.RedrivePolicy) as { maxReceiveCount: number | string }).maxReceiveCount);
}
