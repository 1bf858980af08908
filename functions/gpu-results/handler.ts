import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SNSEvent } from 'aws-lambda';
import { describeError } from '../../layers/common/errors.js';
import { parseAsyncInferenceNotification } from '../../layers/pipeline/adapters/aws/index.js';
import {
  InvalidRequestError,
  NotFoundError,
  type SettleDeps,
  settleGpuRequest,
} from '../../layers/pipeline/core/index.js';
import { createAwsServices } from '../../layers/pipeline/runtimes/aws/index.js';
import { loadGpuResultsConfig } from './config.js';

export type GpuResultsHandler = (event: SNSEvent, context: Context) => Promise<void>;

/**
 * SNS (the GPU endpoint's success and error topics) -> the result table: each notification settles its request.
 * A notification that names nothing usable is logged and dropped; any other error is thrown, and Lambda tries the
 * event again (twice, as for every asynchronous invocation).
 */
export function createGpuResultsHandler(makeDeps: () => SettleDeps): GpuResultsHandler {
  const logger = new Logger({ serviceName: 'gpu-results' });
  let deps: SettleDeps | undefined;
  return async (event, context) => {
    logger.addContext(context);
    deps ??= makeDeps();
    for (const record of event.Records) {
      try {
        const notification = parseAsyncInferenceNotification(record.Sns.Message);
        logger.info('GPU request settled', { notification, ...(await settleGpuRequest(deps, notification)) });
      } catch (error) {
        if (!(error instanceof InvalidRequestError || error instanceof NotFoundError)) throw error;
        logger.error('dropping an unusable GPU notification', {
          messageId: record.Sns.MessageId,
          error: describeError(error),
        });
      }
    }
  };
}

export const handler = createGpuResultsHandler(() => {
  const config = loadGpuResultsConfig();
  const { bucket, results } = createAwsServices(config);
  return { objects: bucket, results };
});
