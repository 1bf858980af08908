import type { Command } from 'commander';
import { commaList } from '../../common/comma-list.js';
import { UsageError } from '../../common/errors.js';
import {
  type BackfillCounts,
  type BackfillDeps,
  backfill,
  DEFAULT_UPLOAD_PREFIX,
  DEFAULT_VIDEO_SUFFIXES,
  parseS3Uri,
} from '../../pipeline/core/index.js';
import { type AwsServices, createAwsServices } from '../../pipeline/runtimes/aws/index.js';
import { countProgressBar } from '../count-progress.js';
import { positiveNumber, required } from '../options.js';

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

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      'queue the videos already in a bucket that the result table has not seen (S3-event-shaped SQS messages)',
    )
    .argument('<location>', 's3://bucket/prefix of the videos')
    .option('--queue-url <url>', 'ingest queue (default: $QUEUE_URL)', process.env.QUEUE_URL)
    .option('--table <name>', 'result table (default: $TABLE_NAME)', process.env.TABLE_NAME)
    .option(
      '--upload-prefix <prefix>',
      "the deployment's upload prefix: the classifier drops other keys, so they are not queued (default: $UPLOAD_PREFIX; not with --gpu, whose endpoint takes any key)",
      process.env.UPLOAD_PREFIX || DEFAULT_UPLOAD_PREFIX,
    )
    .option(
      '--suffixes <list>',
      'comma list of video key suffixes',
      process.env.VIDEO_SUFFIXES || DEFAULT_VIDEO_SUFFIXES.join(','),
    )
    .option('--json', 'print the counts as JSON to stdout')
    .option(
      '--gpu',
      'send the videos to the GPU endpoint (asynchronous requests of up to 10 videos) instead of the queue',
    )
    .option(
      '--endpoint <name>',
      'GPU endpoint, with --gpu (default: $GPU_ENDPOINT_NAME)',
      process.env.GPU_ENDPOINT_NAME,
    )
    .option('--timeline <seconds>', 'with --gpu, also label every window of this many seconds', positiveNumber)
    .action(async (location: string, options: BackfillCommandOptions) => {
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
    });
}
