import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SQSEvent } from 'aws-lambda';
import { type ClassifierContainer, createClassifierContainer } from '../../functions/classifier/container.js';
import { createClassifierHandler, handler } from '../../functions/classifier/handler.js';
import { loadConfig } from '../../functions/shared/config.js';
import { XclipError } from '../../layers/common/errors.js';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import type { ObjectStore } from '../../layers/pipeline/core/ports/object-store.js';
import { videoResultSchema } from '../../layers/pipeline/core/result-schema.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { buildModel } from '../../layers/xclip/build.js';
import {
  lambdaContext,
  notificationKeys,
  sampleEvent,
  sqsEvent,
  withStoredVersions,
} from '../../scripts/lib/lambda-events.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

let aws: LocalAws;
let vectorIndex: LocalVectorIndex;
let bucket: S3ObjectStore;
let results: DynamoResultStore;
let video: Buffer;
const work = mkdtempSync(join(tmpdir(), 'xclip-classifier-handler-'));

async function upload(key: string, bytes: Uint8Array = video): Promise<void> {
  await bucket.put(key, bytes, 'video/mp4');
}

/** An S3 notification body for objects now in the bucket, shaped like events/s3-put.json. */
async function putNotification(key: string): Promise<string> {
  const sample = sampleEvent<{ Records: Array<{ s3: { object: { key: string } } }> }>('s3-put.json');
  sample.Records[0]!.s3.object.key = encodeURIComponent(key).replaceAll('%2F', '/');
  return withStoredVersions(JSON.stringify(sample), bucket);
}

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  process.env.MODEL_DIR = await buildSmallTextModel();
  process.env.LABEL_FEATURE_CACHE_DIR = join(work, 'label-features');
  bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  results = new DynamoResultStore(aws.clients.dynamo, aws.table);
  video = readFileSync(makeTestVideo(work, 'pattern.mp4'));
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

test('the SQS-wrapped S3 puts of events/ are classified: keys with spaces, unicode and a literal +; a redelivery changes nothing', async () => {
  const event = sampleEvent<SQSEvent>('sqs-s3-put.json');
  const keys = event.Records.flatMap((record) => notificationKeys(record.body));
  assert.deepEqual(keys, ['videos/my holiday clip.mp4', 'videos/café ☕ déjà vu.mp4', 'videos/a+b=c.mp4']);
  for (const key of keys) await upload(key);
  for (const record of event.Records) record.body = await withStoredVersions(record.body, bucket);

  assert.deepEqual(await handler(event, lambdaContext), { batchItemFailures: [] });
  for (const key of keys) {
    const record = (await results.get(videoIdFor(aws.bucket, key)))!;
    assert.equal(record.status, 'DONE', key);
    assert.equal(record.source.key, key);
    assert.equal(record.attempts, 1);
    const document = videoResultSchema.parse(JSON.parse((await bucket.get(artifactKeysFor(key).result))!.toString()));
    assert.deepEqual(document, record.result);
    assert.equal((await bucket.get(artifactKeysFor(key).embedding))!.byteLength, document.embedding.shape[0]! * 4);
    assert.ok(await bucket.head(artifactKeysFor(key).visualTokens));
  }

  const before = await results.get(videoIdFor(aws.bucket, keys[0]!));
  assert.deepEqual(
    await handler(
      sqsEvent(
        event.Records.map((record) => record.body),
        2,
      ),
      lambdaContext,
    ),
    { batchItemFailures: [] },
  );
  assert.deepEqual(
    await results.get(videoIdFor(aws.bucket, keys[0]!)),
    before,
    'a redelivered event neither repeats nor regresses the result',
  );
});

test('s3:TestEvent, non-video suffixes, keys outside the upload prefix and malformed messages are acknowledged and leave no record', async () => {
  await upload('videos/notes.txt', Buffer.from('text'));
  await upload('elsewhere/clip.mp4');
  const bodies = [
    sampleEvent<SQSEvent>('sqs-s3-test-event.json').Records[0]!.body,
    await putNotification('videos/notes.txt'),
    await putNotification('elsewhere/clip.mp4'),
    'not json',
    JSON.stringify({ Records: [{ eventSource: 'aws:s3' }] }),
  ];
  assert.deepEqual(await handler(sqsEvent(bodies), lambdaContext), { batchItemFailures: [] });
  for (const key of ['videos/notes.txt', 'elsewhere/clip.mp4'])
    assert.equal(await results.get(videoIdFor(aws.bucket, key)), undefined, key);
});

test('with too little time left for another record, the rest of the batch goes back to the queue untouched', async () => {
  await upload('videos/first in batch.mp4');
  await upload('videos/second in batch.mp4');
  const bodies = [
    await putNotification('videos/first in batch.mp4'),
    await putNotification('videos/second in batch.mp4'),
  ];
  const closeToTimeout = { ...lambdaContext, getRemainingTimeInMillis: () => 1 };
  assert.deepEqual(await handler(sqsEvent(bodies), closeToTimeout), {
    batchItemFailures: [{ itemIdentifier: 'message-1' }],
  });
  assert.equal((await results.get(videoIdFor(aws.bucket, 'videos/first in batch.mp4')))!.status, 'DONE');
  assert.equal(
    await results.get(videoIdFor(aws.bucket, 'videos/second in batch.mp4')),
    undefined,
    'the refused record was not touched',
  );
});

test('a file that is not a video ends FAILED and its message is acknowledged', async () => {
  await upload('videos/broken.mp4', Buffer.from('this is not a video'));
  assert.deepEqual(await handler(sqsEvent([await putNotification('videos/broken.mp4')]), lambdaContext), {
    batchItemFailures: [],
  });
  const record = (await results.get(videoIdFor(aws.bucket, 'videos/broken.mp4')))!;
  assert.equal(record.status, 'FAILED');
  assert.ok(['NOT_A_VIDEO', 'CORRUPT_VIDEO'].includes(record.error!.code), record.error!.code);
});

test('a transient error fails only its own message; on the last delivery the video is recorded FAILED (retryable) before the queue gives up, and a redrive finishes it', async () => {
  await upload('videos/good.mp4');
  await upload('videos/flaky.mp4', Buffer.concat([video, Buffer.from([0])]));
  const flakyId = videoIdFor(aws.bucket, 'videos/flaky.mp4');
  // S3 throttles the artifact writes of one video.
  const flaky = (store: ObjectStore): ObjectStore =>
    new Proxy(store, {
      get: (target, property, receiver) =>
        property === 'put'
          ? async (key: string, ...rest: [Uint8Array, string]) => {
              if (key.includes('flaky')) throw new Error('SlowDown: please reduce your request rate');
              return target.put(key, ...rest);
            }
          : Reflect.get(target, property, receiver),
    });
  const flakyHandler = createClassifierHandler(async (): Promise<ClassifierContainer> => {
    const container = await createClassifierContainer(loadConfig());
    return { ...container, deps: { ...container.deps, artifacts: flaky(container.deps.artifacts) } };
  });
  const bodies = [await putNotification('videos/good.mp4'), await putNotification('videos/flaky.mp4')];

  assert.deepEqual(await flakyHandler(sqsEvent(bodies, 1), lambdaContext), {
    batchItemFailures: [{ itemIdentifier: 'message-1' }],
  });
  assert.equal((await results.get(videoIdFor(aws.bucket, 'videos/good.mp4')))!.status, 'DONE');
  assert.equal(
    (await results.get(flakyId))!.status,
    'QUEUED',
    'a retried video is not marked failed early, and its claim is released for the next delivery',
  );

  // The local queue's redrive policy dead-letters after 3 deliveries.
  assert.deepEqual(await flakyHandler(sqsEvent(bodies.slice(1), 3), lambdaContext), {
    batchItemFailures: [{ itemIdentifier: 'message-0' }],
  });
  const record = (await results.get(flakyId))!;
  assert.equal(record.status, 'FAILED');
  assert.equal(record.error!.code, 'INTERNAL');
  assert.equal(record.error!.retryable, true, 'a transient failure can be finished by a redrive or a retry');
  assert.doesNotMatch(record.error!.message, /SlowDown/, 'clients see no internal detail');

  // The dead-lettered message redriven once S3 recovered: a new message, its first delivery.
  assert.deepEqual(await handler(sqsEvent(bodies.slice(1), 1), lambdaContext), { batchItemFailures: [] });
  assert.equal((await results.get(flakyId))!.status, 'DONE', 'a redrive finishes a transient failure');
});

test('a model that cannot encode the label set fails the container start with a clear error, not every message', async () => {
  const untokenized = join(work, 'no-tokenizer-model');
  await buildModel({ from: 'test/fixtures/xclip-tiny', out: untokenized });
  await assert.rejects(
    createClassifierContainer(loadConfig({ ...process.env, MODEL_DIR: untokenized })),
    (error: unknown) => error instanceof XclipError && error.code === 'NO_TOKENIZER',
  );
});

test('a container that cannot start (no model) fails the whole batch and is tried again on the next invocation', async () => {
  let starts = 0;
  const failing = createClassifierHandler(async () => {
    starts++;
    throw new Error('no model');
  });
  await assert.rejects(failing(sqsEvent(['{}']), lambdaContext), /no model/);
  await assert.rejects(failing(sqsEvent(['{}']), lambdaContext), /no model/);
  assert.equal(starts, 2);
});
