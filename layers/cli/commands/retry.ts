import type { Command } from 'commander';
import { lazyAction } from '../lazy-action.js';

export function registerRetryCommand(program: Command): void {
  program
    .command('retry')
    .description('classify failed videos (or ones whose claim was abandoned) of a deployment again')
    .argument('<location...>', 's3://bucket/key of each video; with --failed, s3://bucket/prefix')
    .option('--failed', 'retry every FAILED video under each location')
    .option('--queue-url <url>', 'ingest queue (default: $QUEUE_URL)', process.env.QUEUE_URL)
    .option('--table <name>', 'result table (default: $TABLE_NAME)', process.env.TABLE_NAME)
    .option('--json', 'print one JSON outcome per video to stdout')
    .action(lazyAction(() => import('./retry-run.js')));
}
