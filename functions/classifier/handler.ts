import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../shared/config.js';
import { classifyMessage } from './classify-message.js';
import { type ClassifierContainer, createClassifierContainer } from './container.js';

const logger = new Logger();
const processor = new BatchProcessor(EventType.SQS);
let container: Promise<ClassifierContainer> | undefined;

/** The container's clients and model session, made by the first invocation; a failed start is tried again next time. */
function containerOnce(): Promise<ClassifierContainer> {
  container ??= createClassifierContainer(loadConfig()).catch((error: unknown) => {
    container = undefined;
    throw error;
  });
  return container;
}

/** SQS -> classifier: messages one at a time, failures reported per message (partial batch response). */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  const current = await containerOnce();
  try {
    return await processPartialResponse(event, (record: SQSRecord) => classifyMessage(current, record, logger), processor, {
      context, processInParallel: false, throwOnFullBatchFailure: false,
    });
  } finally {
    current.metrics.publishStoredMetrics();
  }
}
