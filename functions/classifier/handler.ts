import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ConcurrencyLimit } from '../../layers/common/concurrency.js';
import { loadConfig } from '../shared/config.js';
import { classifyMessage } from './classify-message.js';
import { type ClassifierContainer, createClassifierContainer } from './container.js';
import { TimeBudget } from './time-budget.js';

export type ClassifierHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Records of a batch in hand at once: while the model runs on one video the next decodes in its decoder process. */
const RECORDS_IN_HAND = 2;

/**
 * SQS -> classifier: a batch's first message alone, so the time budget learns how long one takes, then two at a
 * time; failures reported per message (partial batch response). The container (clients, model session) is made by the first invocation and kept; a
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
    const slots = new ConcurrencyLimit(RECORDS_IN_HAND);
    let first: Promise<unknown> | undefined;
    const classify = (record: SQSRecord) => slots.run(() => budget.run(() => classifyMessage(current, record, logger)));
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => {
          if (!first) {
            const alone = classify(record);
            first = alone.catch(() => undefined);
            return alone;
          }
          return first.then(() => classify(record));
        },
        processor,
        {
          context,
          processInParallel: true,
          throwOnFullBatchFailure: false,
        },
      );
    } finally {
      current.metrics.publishStoredMetrics();
    }
  };
}

export const handler = createClassifierHandler(() => createClassifierContainer(loadConfig()));
