import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.js';
import { type BackfillCounts, backfill } from '../../pipeline/adapters/aws/backfill.js';
import { createAwsClients } from '../../pipeline/adapters/aws/clients.js';
import { DynamoResultStore } from '../../pipeline/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../pipeline/adapters/aws/s3-object-store.js';
import { SqsIngestQueue } from '../../pipeline/adapters/aws/sqs-ingest-queue.js';
import { DEFAULT_VIDEO_SUFFIXES } from '../../pipeline/adapters/aws/video-keys.js';

interface BackfillCommandOptions {
  queueUrl?: string;
  table?: string;
  suffixes: string;
  json?: boolean;
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

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('queue the videos already in a bucket that the result table has not seen (S3-event-shaped SQS messages)')
    .argument('<location>', 's3://bucket/prefix of the videos')
    .option('--queue-url <url>', 'ingest queue (default: $QUEUE_URL)', process.env.QUEUE_URL)
    .option('--table <name>', 'result table (default: $TABLE_NAME)', process.env.TABLE_NAME)
    .option('--suffixes <list>', 'comma list of video key suffixes', process.env.VIDEO_SUFFIXES || DEFAULT_VIDEO_SUFFIXES.join(','))
    .option('--json', 'print the counts as JSON to stdout')
    .action(async (location: string, options: BackfillCommandOptions) => {
      const { bucket, prefix } = parseS3Url(location);
      const clients = createAwsClients();
      const bar = process.stderr.isTTY && !options.json
        ? new cliProgress.SingleBar({ stream: process.stderr, format: 'backfill [{bar}] {value}/{total} videos checked | {queued} queued', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      bar?.start(0, 0, { queued: 0 });
      try {
        const counts = await backfill({
          objects: new S3ObjectStore(clients.s3, bucket),
          results: new DynamoResultStore(clients.dynamo, required(options.table, '--table', 'TABLE_NAME')),
          queue: new SqsIngestQueue(clients.sqs, required(options.queueUrl, '--queue-url', 'QUEUE_URL')),
        }, prefix, options.suffixes.split(',').map((suffix) => suffix.trim().toLowerCase()).filter(Boolean), (progress) => {
          const checked = progress.listed - progress.notVideos;
          bar?.setTotal(checked);
          bar?.update(checked, { queued: progress.queued });
        });
        bar?.stop();
        process.stdout.write(options.json ? `${JSON.stringify(counts)}\n` : `${summary(counts)}\n`);
      } finally {
        bar?.stop();
        for (const client of Object.values(clients)) client.destroy();
      }
    });
}
