// Fault injection against the real local AWS servers: DynamoDB behind a proxy that goes down, hangs or fails after
// a number of requests, duplicate and redriven deliveries, and a burst of uploads. Each test asserts that nothing
// is lost, nothing is duplicated and nothing stays stuck.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClassifierContainer, createClassifierContainer } from '../../functions/classifier/container.js';
import { createClassifierHandler } from '../../functions/classifier/handler.js';
import { loadConfig } from '../../functions/shared/config.js';
import { mapConcurrently } from '../../layers/common/concurrency.js';
import {
  createAwsClients,
  DynamoResultStore,
  parseS3Notification,
  S3ObjectStore,
} from '../../layers/pipeline/adapters/aws/index.js';
import { backfill, type VideoModel, videoIdFor } from '../../layers/pipeline/core/index.js';
import { createAwsServices } from '../../layers/pipeline/runtimes/aws/index.js';
import { lambdaContext, sqsEvent, withStoredVersions } from '../../scripts/lib/lambda-events.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { drainQueue } from '../aws/drain-queue.js';
import { FaultProxy } from './fault-proxy.js';

/** Shorter than a redelivery takes, as the function's timeout and a margin are shorter than the queue's visibility. */
const LEASE_SECONDS = 1;
let aws: LocalAws;
let vectorIndex: LocalVectorIndex;
let dynamo: FaultProxy;
let bucket: S3ObjectStore;
let results: DynamoResultStore;
let video: Buffer;
const work = mkdtempSync(join(tmpdir(), 'xclip-faults-'));

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  dynamo = await FaultProxy.start(aws.env.AWS_ENDPOINT_URL_DYNAMODB!);
  // Every client made from here on reaches DynamoDB through the proxy.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  process.env.MODEL_DIR = await buildSmallTextModel();
  process.env.LABEL_FEATURE_CACHE_DIR = join(work, 'label-features');
  const clients = createAwsClients();
  bucket = new S3ObjectStore(clients.s3, aws.bucket);
  results = new DynamoResultStore(clients.dynamo, aws.table);
  video = readFileSync(makeTestVideo(work, 'pattern.mp4'));
});
after(async () => {
  await dynamo.close();
  await vectorIndex.close();
  await aws.close();
});

/** S3-event message bodies for `keys`, uploaded first. */
async function uploads(keys: string[]): Promise<string[]> {
  const bodies: string[] = [];
  for (const [i, key] of keys.entries()) {
    await bucket.put(key, Buffer.concat([video, Buffer.from([i])]), 'video/mp4');
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: new Date().toISOString(),
          s3: { bucket: { name: aws.bucket }, object: { key: encodeURIComponent(key), size: video.length + 1 } },
        },
      ],
    };
    bodies.push(await withStoredVersions(JSON.stringify(event), bucket));
  }
  return bodies;
}

/**
 * A classifier handler (one Lambda container) whose model counts the videos it classifies in `counts`, calling
 * `afterEach` after each one.
 */
function countingHandler(afterEach: (classified: number) => void = () => {}, counts = { classified: 0 }) {
  const handler = createClassifierHandler(async (): Promise<ClassifierContainer> => {
    const container = await createClassifierContainer(loadConfig());
    const model = container.deps.model;
    const counting: VideoModel = Object.assign(Object.create(model), {
      classifyFile: async (...args: Parameters<VideoModel['classifyFile']>) => {
        const classified = await model.classifyFile(...args);
        afterEach(++counts.classified);
        return classified;
      },
    });
    return { ...container, deps: { ...container.deps, model: counting } };
  });
  return { handler, counts };
}

test('DynamoDB going down mid-batch loses nothing: failed messages come back, and their redelivery finishes every video once', async () => {
  const keys = Array.from({ length: 4 }, (_, i) => `videos/outage/${i}.mp4`);
  const bodies = await uploads(keys);
  process.env.CLAIM_LEASE_SECONDS = String(LEASE_SECONDS);
  // DynamoDB goes down while the second video is classified: it cannot be completed, the rest not even claimed.
  const { handler, counts } = countingHandler((classified) => {
    if (classified === 2) dynamo.mode = 'down';
  });
  const first = await handler(sqsEvent(bodies, 1), lambdaContext);
  dynamo.heal();
  // Records after the first run two at a time, so failures are reported in the order they happen.
  const failed = first.batchItemFailures
    .map((failure) => Number(failure.itemIdentifier.replace('message-', '')))
    .sort((a, b) => a - b);
  assert.deepEqual(failed, [1, 2, 3]);

  await sleep(LEASE_SECONDS * 1000 + 100);
  const redelivered = await handler(
    sqsEvent(
      failed.map((i) => bodies[i]!),
      2,
    ),
    lambdaContext,
  );
  assert.deepEqual(redelivered.batchItemFailures, []);
  for (const key of keys) {
    const record = (await results.get(videoIdFor(aws.bucket, key)))!;
    assert.equal(record.status, 'DONE', key);
    assert.equal(record.leaseUntil, undefined);
  }
  assert.ok(counts.classified <= keys.length + failed.length, 'no video ran more than once per delivery');
  const labelled = await results.list({
    label: (await results.get(videoIdFor(aws.bucket, keys[0]!)))!.result!.labels[0]!.label,
    limit: 50,
  });
  const ids = labelled.items.map((record) => record.id);
  assert.equal(new Set(ids).size, ids.length, 'the label index has no duplicates');
});

test('a hanging DynamoDB costs bounded time: the call fails instead of holding the handler', async () => {
  const store = new DynamoResultStore(
    createAwsClients(process.env, { connectionTimeoutMs: 200, requestTimeoutMs: 300, maxAttempts: 2 }).dynamo,
    aws.table,
  );
  dynamo.mode = 'hang';
  try {
    await assert.rejects(store.get('anything'));
  } finally {
    dynamo.heal();
  }
});

test('two deliveries of the same upload at once classify it once; the other comes back and then finds it done', async () => {
  const [body] = await uploads(['videos/duplicate/clip.mp4']);
  process.env.CLAIM_LEASE_SECONDS = '600';
  // Two containers, as Lambda runs two concurrent invocations.
  const { handler, counts } = countingHandler();
  const other = countingHandler(undefined, counts).handler;
  const outcomes = await Promise.all([
    handler(sqsEvent([body!], 1), lambdaContext),
    other(sqsEvent([body!], 1), lambdaContext),
  ]);
  assert.equal(counts.classified, 1, 'only the delivery holding the claim classified');
  const retried = outcomes.filter((outcome) => outcome.batchItemFailures.length > 0).length;
  assert.ok(retried <= 1);
  assert.deepEqual((await handler(sqsEvent([body!], 2), lambdaContext)).batchItemFailures, []);
  assert.equal(counts.classified, 1, 'the redelivery found the video finished');
  assert.equal((await results.get(videoIdFor(aws.bucket, 'videos/duplicate/clip.mp4')))!.status, 'DONE');
});

const SETUP_CONCURRENCY = 16;

test('a burst of 500 uploads queued by backfill: 500 messages, 500 QUEUED records, none lost or doubled', async () => {
  const keys = Array.from({ length: 500 }, (_, i) => `videos/burst/${String(i).padStart(3, '0')}.mp4`);
  // The set-up's own requests go a few at a time: 500 sockets at once outlast the clients' connect timeout on a busy machine.
  await mapConcurrently(keys, SETUP_CONCURRENCY, (key) => bucket.put(key, Buffer.from(key), 'video/mp4'));
  const services = createAwsServices({ bucket: aws.bucket, table: aws.table, queueUrl: aws.queueUrl });
  try {
    const counts = await backfill(
      { objects: services.bucket, results: services.results, queue: services.queue! },
      'videos/burst/',
      { uploadPrefix: 'videos/', videoSuffixes: ['.mp4'] },
    );
    assert.equal(counts.queued, 500);
    const queued = (await drainQueue(services.clients.sqs, aws.queueUrl)).flatMap((body) =>
      parseS3Notification(body).map((record) => record.key),
    );
    assert.deepEqual(queued.sort(), keys);
    const records = await mapConcurrently(keys, SETUP_CONCURRENCY, (key) => results.get(videoIdFor(aws.bucket, key)));
    assert.ok(records.every((record) => record?.status === 'QUEUED'));
  } finally {
    services.destroy();
  }
});
