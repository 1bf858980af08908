import { z } from 'zod';
import type { GpuNotification } from '../../core/index.js';
import { parseJsonDocument } from '../../core/index.js';

const notificationSchema = z.discriminatedUnion('invocationStatus', [
  z.object({
    invocationStatus: z.literal('Completed'),
    responseParameters: z.object({ outputLocation: z.string().min(1) }),
  }),
  z.object({
    invocationStatus: z.literal('Failed'),
    failureReason: z.string().default('no reason given'),
    requestParameters: z.object({ inputLocation: z.string().min(1) }),
  }),
]);

/**
 * The outcome a SageMaker asynchronous inference notification (an SNS message on the success or error topic)
 * reports; an InvalidRequestError when the message is not one.
 */
export function parseAsyncInferenceNotification(message: string): GpuNotification {
  const notification = parseJsonDocument(notificationSchema, message, 'asynchronous inference notification');
  return notification.invocationStatus === 'Completed'
    ? { status: 'Completed', outputLocation: notification.responseParameters.outputLocation }
    : {
        status: 'Failed',
        inputLocation: notification.requestParameters.inputLocation,
        reason: notification.failureReason,
      };
}
