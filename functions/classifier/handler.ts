import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig } from '../shared/config.js';
import { classifyMessage } from './classify-message.js';
import { type ClassifierContainer, createClassifierContainer } from './container.js';
import { TimeBudget } from './time-budget.js';

export type ClassifierHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * SQS -> classifier: messages one at a time, failures reported per message (partial batch
 * response). The container (clients, model session) is made by the first invocation and kept; a
 * failed start is tried again by the next one.
 */
export function createClassifierHandler(makeContainer: () => Promise<ClassifierContainer>): ClassifierHandler {
  const logger = new Logger();
  const processor = new BatchProcessor(EventType.SQS);
  let container: Promise<ClassifierContainer> | undefined;
  return async (event, context) => {
    logger.addContext(context);
    container ??= makeContainer().catch((error: unknown) => {
      container = undefined;
      throw error;
    });
    const current = await container;
    const budget = new TimeBudget(() => context.getRemainingTimeInMillis());
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => budget.run(() => classifyMessage(current, record, logger)),
        processor,
        {
          context,
          processInParallel: false,
          throwOnFullBatchFailure: false,
        },
      );
    } finally {
      current.metrics.publishStoredMetrics();
    }
  };
}

export const handler = createClassifierHandler(() => createClassifierContainer(loadConfig()));
