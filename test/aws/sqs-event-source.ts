import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { ClassifierHandler } from '../../functions/classifier/handler.js';
import { lambdaContext, sqsEvent } from '../../scripts/lib/lambda-events.js';

/**
 * What Lambda's SQS event source mapping does, once per batch until the queue is empty: receive,
 * invoke the handler, delete the messages it did not report as failed. Returns how many were deleted.
 */
export async function pollUntilEmpty(sqs: SQSClient, queueUrl: string, handler: ClassifierHandler): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    if (Messages.length === 0) return deleted;
    const event: SQSEvent = sqsEvent(Messages.map((message) => message.Body!));
    event.Records.forEach((record, i) => {
      record.messageId = Messages[i]!.MessageId!;
      record.receiptHandle = Messages[i]!.ReceiptHandle!;
      record.attributes.ApproximateReceiveCount = Messages[i]!.Attributes?.ApproximateReceiveCount ?? '1';
    });
    const { batchItemFailures } = await handler(event, lambdaContext);
    const done = Messages.filter(
      (message) => !batchItemFailures.some((failure) => failure.itemIdentifier === message.MessageId),
    );
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    deleted += done.length;
  }
}
