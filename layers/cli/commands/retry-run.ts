import { describeError } from '../../common/errors.js';
import { parseS3Uri, type RetryDeps, retryVideo, type VideoRecord, videoIdFor } from '../../pipeline/core/index.js';
import { createAwsServices } from '../../pipeline/runtimes/aws/index.js';
import { required } from '../options.js';

interface RetryCommandOptions {
  failed?: boolean;
  queueUrl?: string;
  table?: string;
  json?: boolean;
}

interface RetryOutcome {
  key: string;
  id: string;
  /** QUEUED when it was sent again; otherwise why not. */
  status: 'QUEUED' | 'REFUSED';
  reason?: string;
}

/** Every FAILED video of `bucket` whose key starts with `prefix`, a page of the result store at a time. */
async function* failedVideos(deps: RetryDeps, bucket: string, prefix: string): AsyncIterable<VideoRecord> {
  let cursor: string | undefined;
  do {
    const page = await deps.results.list({ status: 'FAILED', limit: 100, ...(cursor ? { cursor } : {}) });
    for (const record of page.items)
      if (record.source.bucket === bucket && record.source.key.startsWith(prefix)) yield record;
    cursor = page.nextCursor;
  } while (cursor);
}

async function retryOne(deps: RetryDeps, bucket: string, key: string): Promise<RetryOutcome> {
  const id = videoIdFor(bucket, key);
  try {
    await retryVideo(deps, id);
    return { key, id, status: 'QUEUED' };
  } catch (error) {
    return { key, id, status: 'REFUSED', reason: describeError(error) };
  }
}

/** `xclip retry`, imported when it runs. */
export async function run(locations: string[], options: RetryCommandOptions): Promise<void> {
  const parsed = locations.map((location) => parseS3Uri(location, 'location', options.failed ? 'prefix' : 'key'));
  const table = required(options.table, '--table', 'TABLE_NAME');
  const queueUrl = required(options.queueUrl, '--queue-url', 'QUEUE_URL');
  const outcomes: RetryOutcome[] = [];
  for (const { bucket, key } of parsed) {
    const services = createAwsServices({ bucket, table, queueUrl });
    try {
      const deps = { results: services.results, ingest: services.queue! };
      // Collected first: each retry moves a record out of the FAILED pages being read.
      const keys: string[] = options.failed ? [] : [key];
      if (options.failed) for await (const record of failedVideos(deps, bucket, key)) keys.push(record.source.key);
      for (const videoKey of keys) outcomes.push(await retryOne(deps, bucket, videoKey));
    } finally {
      services.destroy();
    }
  }
  for (const outcome of outcomes)
    process.stdout.write(
      options.json
        ? `${JSON.stringify(outcome)}\n`
        : `${outcome.status === 'QUEUED' ? 'queued' : 'refused'} ${outcome.key}${outcome.reason ? `: ${outcome.reason}` : ''}\n`,
    );
  if (outcomes.some((outcome) => outcome.status === 'REFUSED')) process.exitCode = 1;
}
