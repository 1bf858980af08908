import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A received message's reply can be lost after the queue has hidden it: it comes back after this long. */
const RECEIVE_VISIBILITY_SECONDS = 2;
const DRAIN_DEADLINE_MS = 60_000;
const RETRY_MS = 200;

async function messagesLeft(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, count) => sum + Number(count), 0);
}

/**
 * The bodies of every message on the queue, each message once, the queue left empty. An empty receive does not
 * end it while the queue still counts messages (SQS may answer a short poll with none, and a message whose
 * receive reply went astray stays hidden until its visibility timeout), so it ends only when none is left anywhere.
 */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies = new Map<string, string>();
  const deadline = Date.now() + DRAIN_DEADLINE_MS;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
      }),
    );
    if (Messages.length === 0) {
      if ((await messagesLeft(sqs, queueUrl)) === 0) return [...bodies.values()];
      if (Date.now() > deadline) throw new Error(`the queue still holds messages after ${DRAIN_DEADLINE_MS} ms`);
      await sleep(RETRY_MS);
      continue;
    }
    for (const message of Messages) bodies.set(message.MessageId!, message.Body!);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }
}
