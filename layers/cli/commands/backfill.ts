import type { Command } from 'commander';
import { DEFAULT_UPLOAD_PREFIX, DEFAULT_VIDEO_SUFFIXES } from '../../pipeline/settings.js';
import { lazyAction } from '../lazy-action.js';
import { positiveNumber } from '../options.js';

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
    .action(lazyAction(() => import('./backfill-run.js')));
}
