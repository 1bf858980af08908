import { commaList } from '../../common/comma-list.js';
import { UsageError } from '../../common/errors.js';
import { type BackfillCounts, type BackfillDeps, backfill, parseS3Uri } from '../../pipeline/core/index.js';
import { type AwsServices, createAwsServices } from '../../pipeline/runtimes/aws/index.js';
import { countProgressBar } from '../count-progress.js';
import { required } from '../options.js';

interface BackfillCommandOptions {
  queueUrl?: string;
  table?: string;
  uploadPrefix: string;
  suffixes: string;
  json?: boolean;
  gpu?: boolean;
  endpoint?: string;
  timeline?: number;
}

function summary(counts: BackfillCounts): string {
  return `queued ${counts.queued} of ${counts.listed} objects (${counts.done} already done, ${counts.pending} pending, ${counts.failed} failed on their input, ${counts.notVideos} not uploads to classify)`;
}

/**
 * Where backfilled versions go: S3-event-shaped SQS messages for the Lambda classifier, or with --gpu one request
 * per group of versions to the GPU endpoint (its documents written to the bucket being backfilled).
 */
function backfillQueue(options: BackfillCommandOptions, services: AwsServices): BackfillDeps['queue'] {
  const { queue, gpuSender: sender } = services;
  // The settings asked for exactly one of them (see the action).
  if (queue || !sender) return queue!;
  const requestOptions = options.timeline ? { timelineSeconds: options.timeline } : {};
  return {
    sendAll: async (objectsToSend) => {
      if (objectsToSend.length > 0)
        await sender.send(
          objectsToSend.map((object) => object.source),
          requestOptions,
        );
    },
  };
}

/** `xclip backfill`, imported when it runs. */
export async function run(location: string, options: BackfillCommandOptions): Promise<void> {
  const { bucket, key: prefix } = parseS3Uri(location, 'location', 'prefix');
  if (!options.gpu && options.timeline !== undefined)
    throw new UsageError(
      '--timeline needs --gpu',
      'the Lambda classifier takes its timeline setting from the deployment',
    );
  const services = createAwsServices({
    bucket,
    table: required(options.table, '--table', 'TABLE_NAME'),
    ...(options.gpu
      ? { gpuEndpointName: required(options.endpoint, '--endpoint', 'GPU_ENDPOINT_NAME') }
      : { queueUrl: required(options.queueUrl, '--queue-url', 'QUEUE_URL') }),
  });
  const bar = countProgressBar(
    'backfill [{bar}] {value}/{total} videos checked | {queued} queued',
    { queued: 0 },
    options.json,
  );
  try {
    const counts = await backfill(
      {
        objects: services.bucket,
        results: services.results,
        queue: backfillQueue(options, services),
      },
      prefix,
      {
        uploadPrefix: options.gpu ? '' : options.uploadPrefix,
        videoSuffixes: commaList(options.suffixes).map((suffix) => suffix.toLowerCase()),
      },
      (progress) => {
        const checked = progress.listed - progress.notVideos;
        bar?.setTotal(checked);
        bar?.update(checked, { queued: progress.queued });
      },
    );
    bar?.stop();
    process.stdout.write(options.json ? `${JSON.stringify(counts)}\n` : `${summary(counts)}\n`);
  } finally {
    bar?.stop();
    services.destroy();
  }
}
