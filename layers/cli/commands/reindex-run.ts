import { join } from 'node:path';
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
import { required } from '../options.js';

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
async function reindexWithProgress(deps: ReindexDeps, options: ReindexCommandOptions): Promise<void> {
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
    await reindexWithProgress({ artifacts, results, vectors }, options);
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
    await reindexWithProgress(
      { artifacts: services.bucket, results: services.results, vectors: services.vectors },
      options,
    );
  } finally {
    services.destroy();
  }
}

/** `xclip reindex`, imported when it runs. */
export async function run(location: string | undefined, options: ReindexCommandOptions): Promise<void> {
  if (location) await reindexDeployment(location, options);
  else await reindexFolder(options);
}
