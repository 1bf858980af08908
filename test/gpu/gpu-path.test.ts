import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createClassifierContainer } from '../../functions/classifier/container.js';
import { createClassifierHandler } from '../../functions/classifier/handler.js';
import { loadRoutingConfig } from '../../functions/classifier/routing-config.js';
import { handler as gpuResultsHandler } from '../../functions/gpu-results/handler.js';
import { gpuBatchServices } from '../../functions/gpu-server/batch-services.js';
import { loadGpuServerConfig } from '../../functions/gpu-server/config.js';
import { loadGpuModel } from '../../functions/gpu-server/model.js';
import { loadConfig } from '../../functions/shared/config.js';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { parseS3Notification, sourceOfRecord } from '../../layers/pipeline/adapters/aws/s3-notification.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { videoResultSchema } from '../../layers/pipeline/core/result-schema.js';
import { GPU_OUTPUT_PREFIX, GPU_REQUEST_PREFIX } from '../../layers/pipeline/core/routing/gpu-keys.js';
import { gpuRequestSchema } from '../../layers/pipeline/core/routing/gpu-request.js';
import { keyInBucket } from '../../layers/pipeline/core/routing/s3-uri.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { createGpuServer, type ModelState } from '../../layers/pipeline/http/gpu-server-app.js';
import { lambdaContext, sampleEvent, sqsEvent, withStoredVersions } from '../../scripts/lib/lambda-events.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { type LocalSageMaker, snsEvent, startLocalSageMaker } from './local-sagemaker.js';

const ENDPOINT = 'xclip-gpu';
const work = mkdtempSync(join(tmpdir(), 'xclip-gpu-path-'));
let aws: LocalAws;
let sageMaker: LocalSageMaker;
let vectorIndex: LocalVectorIndex;
let bucket: S3ObjectStore;
let results: DynamoResultStore;
let state: ModelState = { status: 'loading' };
let shortVideo: Buffer;
let longVideo: Buffer;

/** The classifier as deployed with a GPU endpoint: videos of 3 s or more, manifests and timeline jobs go there. */
function classifierWith(env: Record<string, string> = {}) {
  return createClassifierHandler(() =>
    createClassifierContainer(
      loadConfig(),
      loadRoutingConfig({ GPU_ENDPOINT_NAME: ENDPOINT, GPU_MIN_VIDEO_SECONDS: '3', ...env }),
    ),
  );
}
const classifier = classifierWith();

/** An SQS-wrapped S3 put of `key`, as the ingest queue delivers it. */
async function uploadNotice(key: string): Promise<string> {
  const sample = sampleEvent<{ Records: Array<{ s3: { object: { key: string } } }> }>('s3-put.json');
  sample.Records[0]!.s3.object.key = encodeURIComponent(key).replaceAll('%2F', '/');
  return withStoredVersions(JSON.stringify(sample), bucket);
}

async function upload(key: string, bytes: Buffer): Promise<string> {
  await bucket.put(key, bytes, 'video/mp4');
  return uploadNotice(key);
}

const statusOf = async (key: string) => (await results.get(videoIdFor(aws.bucket, key)))?.status;

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  results = new DynamoResultStore(aws.clients.dynamo, aws.table);
  const modelDir = await buildSmallTextModel();
  Object.assign(process.env, { MODEL_DIR: modelDir, LABEL_FEATURE_CACHE_DIR: join(work, 'labels') });
  shortVideo = readFileSync(makeTestVideo(work, 'short.mp4', { seconds: 2 }));
  longVideo = readFileSync(makeTestVideo(work, 'long.mp4', { seconds: 4, pattern: 'smptebars' }));

  const config = loadGpuServerConfig({ ...process.env, XCLIP_EXECUTION_PROVIDERS: 'cpu', VIDEO_CONCURRENCY: '2' });
  const model = await loadGpuModel(config, () => {});
  state = { status: 'ready', deps: gpuBatchServices(config, () => {})(model) };
  const server = createGpuServer({ model: () => state, log: () => {} });
  sageMaker = await startLocalSageMaker({
    objects: bucket,
    invoke: async (body, contentType) =>
      server.request('/invocations', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(body),
      }),
    notify: (event) => gpuResultsHandler(event, lambdaContext),
  });
  process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = sageMaker.url;
});
after(async () => {
  await sageMaker.close();
  await vectorIndex.close();
  await aws.close();
});

test('a short video stays on Lambda; a long one is QUEUED for the GPU, which stores the same result once the endpoint runs it', async () => {
  const notices = [await upload('videos/short.mp4', shortVideo), await upload('videos/long.mp4', longVideo)];
  assert.deepEqual(await classifier(sqsEvent(notices), lambdaContext), { batchItemFailures: [] });
  assert.equal(await statusOf('videos/short.mp4'), 'DONE');
  assert.equal(await statusOf('videos/long.mp4'), 'QUEUED', 'the Lambda path leaves the video to the GPU');

  assert.equal(sageMaker.queued.length, 1);
  const [invocation] = sageMaker.queued;
  assert.equal(invocation!.endpointName, ENDPOINT);
  assert.equal(invocation!.contentType, 'application/json');
  const requestKey = keyInBucket(invocation!.inputLocation, aws.bucket, 'input');
  assert.ok(requestKey.startsWith(GPU_REQUEST_PREFIX));
  const request = gpuRequestSchema.parse(JSON.parse((await bucket.get(requestKey))!.toString()));
  assert.deepEqual(
    request,
    { labels: 'k400', top: 5, videos: parseS3Notification(notices[1]!).map(sourceOfRecord) },
    'the version the upload event named',
  );

  await sageMaker.drain();
  const record = (await results.get(videoIdFor(aws.bucket, 'videos/long.mp4')))!;
  assert.equal(record.status, 'DONE');
  assert.equal(record.attempts, 1);
  assert.deepEqual(
    videoResultSchema.parse(JSON.parse((await bucket.get(artifactKeysFor('videos/long.mp4').result))!.toString())),
    record.result,
  );
  assert.ok(await bucket.get(`${GPU_OUTPUT_PREFIX}${invocation!.inferenceId}.out`), 'the endpoint wrote its summary');

  assert.deepEqual(await classifier(sqsEvent(notices, 2), lambdaContext), { batchItemFailures: [] });
  assert.equal(sageMaker.queued.length, 0, 'a redelivered upload whose version is done is not sent again');
});

test('a manifest upload sends the videos it names in one request; an unusable manifest is dropped, not retried', async () => {
  const keys = ['videos/batch/a.mp4', 'videos/batch/b.mp4'];
  for (const key of keys) await bucket.put(key, shortVideo, 'video/mp4');
  const manifest = Buffer.from(
    JSON.stringify({
      videos: [...keys.map((key) => `s3://${aws.bucket}/${key}`), `s3://${aws.bucket}/videos/batch/missing.mp4`],
      labels: 'surfing,cooking',
      top: 1,
    }),
  );
  await bucket.put('videos/batch.manifest.json', manifest, 'application/json');
  await bucket.put('videos/broken.manifest.json', Buffer.from('{"videos": "all of them"}'), 'application/json');

  const notices = [await uploadNotice('videos/batch.manifest.json'), await uploadNotice('videos/broken.manifest.json')];
  assert.deepEqual(await classifier(sqsEvent(notices), lambdaContext), { batchItemFailures: [] });
  assert.equal(sageMaker.queued.length, 1);
  for (const key of keys) assert.equal(await statusOf(key), 'QUEUED');
  assert.equal(await statusOf('videos/batch.manifest.json'), undefined, 'a manifest has no record of its own');

  await sageMaker.drain();
  for (const key of keys) {
    const record = (await results.get(videoIdFor(aws.bucket, key)))!;
    assert.equal(record.status, 'DONE', key);
    assert.deepEqual(record.result!.labels.map((label) => label.label).length, 1);
    assert.ok(['surfing', 'cooking'].includes(record.result!.labels[0]!.label));
  }
});

test('segment mode (TIMELINE_SECONDS) sends every upload to the GPU, which labels the windows', async () => {
  const timeline = classifierWith({ TIMELINE_SECONDS: '1' });
  assert.deepEqual(await timeline(sqsEvent([await upload('videos/segments.mp4', shortVideo)]), lambdaContext), {
    batchItemFailures: [],
  });
  assert.equal(sageMaker.queued.length, 1);
  await sageMaker.drain();
  const record = (await results.get(videoIdFor(aws.bucket, 'videos/segments.mp4')))!;
  assert.equal(record.status, 'DONE');
  assert.equal(record.result!.timeline?.length, 2);
});

test('a request the endpoint fails as a whole: its videos are recorded FAILED with the reason, once, whatever the notification redeliveries', async () => {
  const ready = state;
  state = { status: 'loading' };
  try {
    assert.deepEqual(await classifier(sqsEvent([await upload('videos/unlucky.mp4', longVideo)]), lambdaContext), {
      batchItemFailures: [],
    });
    const [invocation] = sageMaker.queued;
    await sageMaker.drain();
    const record = (await results.get(videoIdFor(aws.bucket, 'videos/unlucky.mp4')))!;
    assert.equal(record.status, 'FAILED');
    assert.equal(record.error!.code, 'GPU_REQUEST_FAILED');
    assert.match(record.error!.message, /Received client error \(503\).*MODEL_NOT_READY/);

    const redelivered = snsEvent({
      invocationStatus: 'Failed',
      failureReason: 'again',
      requestParameters: { inputLocation: invocation!.inputLocation },
    });
    await gpuResultsHandler(redelivered, lambdaContext);
    assert.deepEqual(
      await results.get(videoIdFor(aws.bucket, 'videos/unlucky.mp4')),
      record,
      'a redelivered notification changes nothing',
    );
  } finally {
    state = ready;
  }
});

test('a video the GPU failed without recording it (a lost write) is recorded from the summary; a done one is left alone', async () => {
  const source = { bucket: aws.bucket, ...(await bucket.head('videos/short.mp4'))! };
  await bucket.put('videos/lost.mp4', shortVideo, 'video/mp4');
  const lost = { bucket: aws.bucket, ...(await bucket.head('videos/lost.mp4'))! };
  const lostId = videoIdFor(aws.bucket, lost.key);
  await results.enqueue(lostId, lost, new Date().toISOString());
  await results.claim(lostId, lost.version, new Date().toISOString(), '2100-01-01T00:00:00.000Z');
  const doneBefore = await results.get(videoIdFor(aws.bucket, source.key));
  const summary = {
    model: { id: 'm', precision: 'fp32', sha256: 'x' },
    executionProvider: 'cpu',
    counts: { done: 0, failed: 2, skipped: 0 },
    timings: { totalMs: 1, executionProvider: 'cpu' },
    videos: [
      {
        status: 'FAILED',
        key: lost.key,
        id: lostId,
        source: { bucket: lost.bucket, key: lost.key, version: lost.version, sequence: lost.sequence },
        error: { code: 'INTERNAL', message: 'ProvisionedThroughputExceededException' },
      },
      {
        status: 'FAILED',
        key: source.key,
        source: { bucket: source.bucket, key: source.key, version: source.version, sequence: source.sequence },
        error: { code: 'INTERNAL', message: 'stale' },
      },
    ],
  };
  await bucket.put(`${GPU_OUTPUT_PREFIX}lost.out`, Buffer.from(JSON.stringify(summary)), 'application/json');
  const completed = snsEvent({
    invocationStatus: 'Completed',
    responseParameters: { outputLocation: `s3://${aws.bucket}/${GPU_OUTPUT_PREFIX}lost.out` },
  });
  await gpuResultsHandler(completed, lambdaContext);
  const record = (await results.get(lostId))!;
  assert.equal(record.status, 'FAILED');
  assert.equal(record.error!.message, 'ProvisionedThroughputExceededException');
  assert.deepEqual(await results.get(videoIdFor(aws.bucket, source.key)), doneBefore);

  for (const message of [
    'not json',
    {
      invocationStatus: 'Completed',
      responseParameters: { outputLocation: `s3://${aws.bucket}/${GPU_OUTPUT_PREFIX}none.out` },
    },
    { invocationStatus: 'Completed', responseParameters: { outputLocation: 's3://elsewhere/x.out' } },
  ]) {
    await gpuResultsHandler(snsEvent(message), lambdaContext);
  }
});

test('xclip backfill --gpu sends the videos not yet recorded as requests of up to 10 to the endpoint instead of the queue', async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `old/clip-${String(i).padStart(2, '0')}.mp4`);
  for (const key of keys) await bucket.put(key, shortVideo, 'video/mp4');
  const xclip = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['bin/xclip.js', 'backfill', ...args], {
      encoding: 'utf8',
      env: { ...process.env },
    });

  await assert.rejects(
    xclip(`s3://${aws.bucket}/old/`, '--timeline', '2', '--table', aws.table),
    /--timeline needs --gpu/,
  );
  const { stdout } = await xclip(
    `s3://${aws.bucket}/old/`,
    '--gpu',
    '--endpoint',
    ENDPOINT,
    '--table',
    aws.table,
    '--json',
  );
  assert.equal((JSON.parse(stdout) as { queued: number }).queued, 12);
  assert.deepEqual(
    sageMaker.queued.map((invocation) => invocation.endpointName),
    [ENDPOINT, ENDPOINT],
  );
  for (const key of keys) assert.equal(await statusOf(key), 'QUEUED');

  await sageMaker.drain();
  for (const key of keys) assert.equal(await statusOf(key), 'DONE', key);
  const again = await xclip(`s3://${aws.bucket}/old/`, '--gpu', '--endpoint', ENDPOINT, '--table', aws.table, '--json');
  assert.equal((JSON.parse(again.stdout) as { done: number }).done, 12);
  assert.equal(sageMaker.queued.length, 0);
});
