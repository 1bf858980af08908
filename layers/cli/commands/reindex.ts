import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.js';
import { FsObjectStore, LanceVectorIndex, SqliteResultStore } from '../../pipeline/adapters/local/index.js';
import {
  parseS3Uri,
  type ReindexCounts,
  type ReindexDeps,
  reindex,
  storedDimension,
} from '../../pipeline/core/index.js';
import { createAwsServices } from '../../pipeline/runtimes/aws/index.js';
import { localArtifactsDir, localVectorIndexDir } from '../../pipeline/runtimes/local/index.js';
import { countProgressBar } from '../count-progress.js';
import { integerIn, required } from '../options.js';

interface ReindexCommandOptions {
  data: string;
  db?: string;
  table?: string;
  vectorIndexArn?: string;
  vectorBucket?: string;
  vectorIndex?: string;
  dimension: number;
  json?: boolean;
}

function summary(counts: ReindexCounts): string {
  return `indexed ${counts.indexed} of ${counts.documents} result documents (${counts.stale} already held a newer version, ${counts.skipped} not DONE in that version or unreadable)`;
}

/** Runs `reindex` with a progress bar on a terminal; prints the counts. */
async function run(deps: ReindexDeps, options: ReindexCommandOptions): Promise<void> {
  const bar = countProgressBar(
    'reindex [{bar}] {value}/{total} result documents read | {indexed} indexed',
    { indexed: 0 },
    options.json,
  );
  try {
    const counts = await reindex(deps, (progress) => {
      const read = progress.indexed + progress.stale + progress.skipped;
      bar?.setTotal(progress.documents);
      bar?.update(read, { indexed: progress.indexed });
    });
    bar?.stop();
    process.stdout.write(options.json ? `${JSON.stringify(counts)}\n` : `${summary(counts)}\n`);
  } finally {
    bar?.stop();
  }
}

/** The local data folder of `xclip serve`: its SQLite store, artifacts and LanceDB index. */
async function reindexFolder(options: ReindexCommandOptions): Promise<void> {
  const artifacts = new FsObjectStore(localArtifactsDir(options.data));
  const dimension = await storedDimension(artifacts);
  const results = new SqliteResultStore(options.db ?? join(options.data, 'results.db'));
  try {
    if (dimension === undefined) {
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ documents: 0, indexed: 0, stale: 0, skipped: 0 })}\n`
          : 'no result documents to index\n',
      );
      return;
    }
    const vectors = await LanceVectorIndex.open({ directory: localVectorIndexDir(options.data), dimension });
    await run({ artifacts, results, vectors }, options);
    await vectors.settle();
  } finally {
    results.close();
  }
}

/** A deployment: its bucket's result documents, its table, its S3 Vectors index. */
async function reindexDeployment(location: string, options: ReindexCommandOptions): Promise<void> {
  const { bucket } = parseS3Uri(location, 'location', 'prefix');
  let target: { indexArn: string } | { vectorBucketName: string; indexName: string };
  if (options.vectorIndexArn) target = { indexArn: options.vectorIndexArn };
  else if (options.vectorBucket && options.vectorIndex)
    target = { vectorBucketName: options.vectorBucket, indexName: options.vectorIndex };
  else
    throw new UsageError(
      'which vector index?',
      'give --vector-index-arn ($VECTOR_INDEX_ARN), or --vector-bucket and --vector-index',
    );
  const services = createAwsServices({
    bucket,
    table: required(options.table, '--table', 'TABLE_NAME'),
    vectorIndex: { target, dimension: options.dimension },
  });
  try {
    await run({ artifacts: services.bucket, results: services.results, vectors: services.vectors }, options);
  } finally {
    services.destroy();
  }
}

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
    .action(async (location: string | undefined, options: ReindexCommandOptions) => {
      if (location) await reindexDeployment(location, options);
      else await reindexFolder(options);
    });
}
