import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { commaList } from '../../common/comma-list.js';
import { UsageError } from '../../common/errors.js';
import { type AwsClients, createAwsClients } from '../../pipeline/adapters/aws/clients.js';
import { DynamoResultStore } from '../../pipeline/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../pipeline/adapters/aws/s3-object-store.js';
import { SageMakerGpuEndpoint } from '../../pipeline/adapters/aws/sagemaker-gpu-endpoint.js';
import { SqsIngestQueue } from '../../pipeline/adapters/aws/sqs-ingest-queue.js';
import type { ObjectStore } from '../../pipeline/core/ports/object-store.js';
import { GPU_REQUEST_PREFIX } from '../../pipeline/core/routing/gpu-keys.js';
import { GpuRequestSender } from '../../pipeline/core/routing/gpu-request-sender.js';
import { type BackfillCounts, type BackfillDeps, backfill } from '../../pipeline/core/use-cases/backfill.js';
import { DEFAULT_VIDEO_SUFFIXES } from '../../pipeline/core/video-keys.js';
import { positiveNumber } from '../options.js';

interface BackfillCommandOptions {
  queueUrl?: string;
  table?: string;
  suffixes: string;
  json?: boolean;
  gpu?: boolean;
  endpoint?: string;
  timeline?: number;
}

function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new UsageError(`invalid location ${JSON.stringify(url)}`, 'expected s3://bucket/prefix');
  return { bucket: match[1]!, prefix: match[2]! };
}

function required(value: string | undefined, option: string, variable: string): string {
  if (!value) throw new UsageError(`${option} is required`, `give it, or set ${variable}`);
  return value;
}

function summary(counts: BackfillCounts): string {
  return `queued ${counts.queued} of ${counts.listed} objects (${counts.done} already done, ${counts.pending} pending, ${counts.failed} failed before, ${counts.notVideos} not videos)`;
}

/**
 * Where backfilled versions go: S3-event-shaped SQS messages for the Lambda classifier, or with --gpu one request
 * per group of versions to the GPU endpoint (its documents written to the bucket being backfilled).
 */
function backfillQueue(
  options: BackfillCommandOptions,
  clients: AwsClients & { sageMaker: SageMakerRuntimeClient },
  objects: ObjectStore,
): BackfillDeps['queue'] {
  if (!options.gpu) {
    if (options.timeline !== undefined)
      throw new UsageError(
        '--timeline needs --gpu',
        'the Lambda classifier takes its timeline setting from the deployment',
      );
    return new SqsIngestQueue(clients.sqs, required(options.queueUrl, '--queue-url', 'QUEUE_URL'));
  }
  const endpoint = new SageMakerGpuEndpoint(
    clients.sageMaker,
    required(options.endpoint, '--endpoint', 'GPU_ENDPOINT_NAME'),
  );
  const sender = new GpuRequestSender(objects, endpoint, GPU_REQUEST_PREFIX);
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
      const { bucket, prefix } = parseS3Url(location);
      const clients = { ...createAwsClients(), sageMaker: new SageMakerRuntimeClient({}) };
      const objects = new S3ObjectStore(clients.s3, bucket);
      const bar =
        process.stderr.isTTY && !options.json
          ? new cliProgress.SingleBar(
              {
                stream: process.stderr,
                format: 'backfill [{bar}] {value}/{total} videos checked | {queued} queued',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(0, 0, { queued: 0 });
      try {
        const counts = await backfill(
          {
            objects,
            results: new DynamoResultStore(clients.dynamo, required(options.table, '--table', 'TABLE_NAME')),
            queue: backfillQueue(options, clients, objects),
          },
          prefix,
          commaList(options.suffixes).map((suffix) => suffix.toLowerCase()),
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
        for (const client of Object.values(clients)) client.destroy();
      }
    });
}
