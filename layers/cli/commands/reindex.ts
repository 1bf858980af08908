import type { Command } from 'commander';
import { lazyAction } from '../lazy-action.js';
import { integerIn } from '../options.js';

export function registerReindexCommand(program: Command): void {
  program
    .command('reindex')
    .description(
      'build the search index from the stored results: of a local data folder (stop `xclip serve` first), or with s3://bucket of a deployment',
    )
    .argument('[location]', 's3://bucket of a deployment; without it, the local data folder')
    .option('--data <dir>', 'local data folder, as given to xclip serve', 'xclip-data')
    .option('--db <file>', 'local SQLite result store (default: <data>/results.db)')
    .option('--table <name>', 'result table of the deployment (default: $TABLE_NAME)', process.env.TABLE_NAME)
    .option(
      '--vector-index-arn <arn>',
      "the deployment's S3 Vectors index (default: $VECTOR_INDEX_ARN)",
      process.env.VECTOR_INDEX_ARN,
    )
    .option(
      '--vector-bucket <name>',
      'or its vector bucket (default: $VECTOR_BUCKET_NAME)',
      process.env.VECTOR_BUCKET_NAME,
    )
    .option('--vector-index <name>', 'and index name (default: $VECTOR_INDEX_NAME)', process.env.VECTOR_INDEX_NAME)
    .option(
      '--dimension <n>',
      "the index's dimension (default: $VECTOR_DIMENSION or 512)",
      integerIn(1, 4096),
      Number(process.env.VECTOR_DIMENSION || 512),
    )
    .option('--json', 'print the counts as JSON to stdout')
    .action(lazyAction(() => import('./reindex-run.js')));
}
