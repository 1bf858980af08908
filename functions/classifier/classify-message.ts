import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { describeError } from '../../layers/common/errors.js';
import { InvalidS3EventError, parseS3Notification, sourceOfRecord } from '../../layers/pipeline/adapters/aws/index.js';
import type { SourceObject } from '../../layers/pipeline/core/index.js';
import {
  type ClassifyOutcome,
  classifyDelivery,
  type RoutedUpload,
  routeUpload,
} from '../../layers/pipeline/core/index.js';
import type { ClassifierContainer } from './container.js';
import { skipReason } from './video-filter.js';

/** The video uploads a message names; an unreadable message is logged and dropped (retrying cannot fix it). */
function uploadsOf(container: ClassifierContainer, record: SQSRecord, logger: Logger): SourceObject[] {
  try {
    const events = parseS3Notification(record.body);
    if (events.length === 0) logger.info('ignoring s3:TestEvent', { messageId: record.messageId });
    return events.flatMap((event) => {
      const reason = skipReason(event, container.config, container.router?.policy.manifestSuffix);
      if (reason) logger.info('skipping object', { bucket: event.bucket, key: event.key, reason });
      return reason ? [] : [sourceOfRecord(event)];
    });
  } catch (error) {
    if (!(error instanceof InvalidS3EventError)) throw error;
    logger.error('dropping a message that is not an S3 event', {
      messageId: record.messageId,
      error: describeError(error),
    });
    container.metrics.addMetric('InvalidMessages', MetricUnit.Count, 1);
    return [];
  }
}

function report(container: ClassifierContainer, outcome: ClassifyOutcome, source: SourceObject, logger: Logger): void {
  const { metrics } = container;
  if (outcome.status === 'DONE') {
    const { timings, labels } = outcome.result;
    metrics.addMetric('VideosProcessed', MetricUnit.Count, 1);
    metrics.addMetric('DownloadTime', MetricUnit.Milliseconds, timings.downloadMs);
    metrics.addMetric('DecodeTime', MetricUnit.Milliseconds, timings.decodeMs);
    metrics.addMetric('VisionTime', MetricUnit.Milliseconds, timings.visionMs);
    metrics.addMetric('ScoreTime', MetricUnit.Milliseconds, timings.scoreMs);
    metrics.addMetric('TotalTime', MetricUnit.Milliseconds, timings.totalMs);
    logger.info('classified', { id: outcome.id, key: source.key, top: labels[0]?.label, timings });
  } else if (outcome.status === 'FAILED') {
    metrics.addMetric('VideosFailed', MetricUnit.Count, 1);
    logger.warn('video failed', { id: outcome.id, key: source.key, error: outcome.error });
  } else {
    metrics.addMetric('VideosSkipped', MetricUnit.Count, 1);
    logger.info('skipped', { id: outcome.id, key: source.key, reason: outcome.reason });
  }
}

function reportRouted(
  container: ClassifierContainer,
  routed: Exclude<RoutedUpload, { target: 'lambda' }>,
  source: SourceObject,
  logger: Logger,
): void {
  if (routed.target === 'rejected') {
    container.metrics.addMetric('ManifestsRejected', MetricUnit.Count, 1);
    logger.error('dropping an unusable manifest', { key: source.key, error: routed.error });
    return;
  }
  container.metrics.addMetric(
    'VideosRoutedToGpu',
    MetricUnit.Count,
    routed.submissions.reduce((videos, submission) => videos + submission.videos, 0),
  );
  logger.info('routed to the GPU endpoint', {
    key: source.key,
    reason: routed.reason,
    skipped: routed.skipped,
    submissions: routed.submissions,
  });
}

const ON_LAMBDA: RoutedUpload = { target: 'lambda' };

/**
 * One SQS message: the S3 uploads it names are classified in turn, or handed to the GPU endpoint when the routing
 * policy says so. A bad video ends FAILED and the message is acknowledged; any other error is thrown, so the
 * message comes back (and, on its last delivery, the video is recorded FAILED before the queue dead-letters it).
 */
export async function classifyMessage(
  container: ClassifierContainer,
  record: SQSRecord,
  logger: Logger,
): Promise<void> {
  const delivery = {
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    maxReceives: container.maxReceives,
  };
  for (const source of uploadsOf(container, record, logger)) {
    try {
      const routed = container.router ? await routeUpload(container.router, source, container.settings) : ON_LAMBDA;
      if (routed.target === 'lambda')
        report(container, await classifyDelivery(container.deps, source, container.settings, delivery), source, logger);
      else reportRouted(container, routed, source, logger);
    } catch (error) {
      container.metrics.addMetric('DeliveriesFailed', MetricUnit.Count, 1);
      logger.error('classification failed; the message will be retried', {
        key: source.key,
        ...delivery,
        error: describeError(error),
      });
      throw error;
    }
  }
}
