import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRoutingConfig } from '../../functions/classifier/routing-config.js';
import { loadGpuServerConfig } from '../../functions/gpu-server/config.js';
import { ConfigError } from '../../functions/shared/config.js';
import { parseAsyncInferenceNotification } from '../../layers/pipeline/adapters/aws/async-inference-notification.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { InvalidRequestError } from '../../layers/pipeline/core/errors.js';
import { loadWithFallback, providerFallbacks } from '../../layers/pipeline/core/execution-providers.js';
import type { GpuEndpoint } from '../../layers/pipeline/core/ports/gpu-endpoint.js';
import { gpuRequestSchema, optionsOf, settingsOf } from '../../layers/pipeline/core/routing/gpu-request.js';
import { GpuRequestSender } from '../../layers/pipeline/core/routing/gpu-request-sender.js';
import { routeUpload, VIDEOS_PER_GPU_REQUEST } from '../../layers/pipeline/core/routing/gpu-router.js';
import {
  chooseRoute,
  DEFAULT_GPU_MIN_VIDEO_SECONDS,
  type GpuRoutingPolicy,
  isManifestKey,
} from '../../layers/pipeline/core/routing/route.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { customLabelSet, resolveLabelSet } from '../../layers/xclip/label-sets.js';

const policy: GpuRoutingPolicy = { minVideoSeconds: 600, manifestSuffix: '.manifest.json' };

/** A duration source that counts how often it is asked. */
function durations(seconds: number | undefined) {
  const asked = { count: 0 };
  return {
    asked,
    durationOf: async () => {
      asked.count++;
      return seconds;
    },
  };
}

test('manifests and timeline jobs go to the GPU without measuring the video', async () => {
  for (const [job, reason] of [
    [{ key: 'videos/batch.manifest.json' }, 'manifest'],
    [{ key: 'videos/BATCH.Manifest.JSON' }, 'manifest'],
    [{ key: 'videos/a.mp4', timelineSeconds: 10 }, 'timeline'],
  ] as const) {
    const { asked, durationOf } = durations(5);
    assert.deepEqual(await chooseRoute(policy, job, durationOf), { target: 'gpu', reason }, job.key);
    assert.equal(asked.count, 0);
  }
});

test('other videos go by duration: at or above the threshold to the GPU, below it or unknown to Lambda', async () => {
  for (const [seconds, route] of [
    [600, { target: 'gpu', reason: 'duration' }],
    [3599.5, { target: 'gpu', reason: 'duration' }],
    [599.9, { target: 'lambda' }],
    [undefined, { target: 'lambda' }],
  ] as const) {
    const { asked, durationOf } = durations(seconds);
    assert.deepEqual(await chooseRoute(policy, { key: 'videos/a.mp4' }, durationOf), route, String(seconds));
    assert.equal(asked.count, 1);
  }
  assert.equal(isManifestKey('videos/a.manifest.json.mp4', policy), false);
});

test("the classifier's routing environment: off without an endpoint; threshold, timeline and endpoint name checked", () => {
  assert.deepEqual(loadRoutingConfig({}), {});
  assert.deepEqual(loadRoutingConfig({ TIMELINE_SECONDS: '7.5', GPU_ENDPOINT_NAME: '' }), { timelineSeconds: 7.5 });
  assert.deepEqual(loadRoutingConfig({ GPU_ENDPOINT_NAME: 'XclipServerless-gpu' }), {
    gpu: {
      endpointName: 'XclipServerless-gpu',
      policy: { minVideoSeconds: DEFAULT_GPU_MIN_VIDEO_SECONDS, manifestSuffix: '.manifest.json' },
    },
  });
  assert.equal(
    loadRoutingConfig({ GPU_ENDPOINT_NAME: 'e', GPU_MIN_VIDEO_SECONDS: '120' }).gpu?.policy.minVideoSeconds,
    120,
  );
  assert.throws(
    () =>
      loadRoutingConfig({ GPU_ENDPOINT_NAME: 'has_underscore', GPU_MIN_VIDEO_SECONDS: '-1', TIMELINE_SECONDS: 'soon' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const variable of ['GPU_ENDPOINT_NAME', 'GPU_MIN_VIDEO_SECONDS', 'TIMELINE_SECONDS'])
        assert.match(error.message, new RegExp(variable));
      return true;
    },
  );
});

test("request options and the use case's settings convert both ways; built-in sets travel by id, others by names", () => {
  const builtin = { labels: resolveLabelSet('k400'), top: 5 };
  assert.deepEqual(optionsOf(builtin), { labels: 'k400', top: 5 });
  const custom = { labels: customLabelSet(['surfing', 'cooking']), top: 2, views: '4x3' as const, timelineSeconds: 4 };
  assert.deepEqual(optionsOf(custom), { labels: ['surfing', 'cooking'], top: 2, views: '4x3', timelineSeconds: 4 });
  assert.deepEqual(settingsOf(optionsOf(custom)), custom);
  assert.deepEqual(settingsOf({}), builtin, "absent options take the Lambda path's defaults");
});

test('a request names exactly one of a video, a list or a manifest, by s3:// URI or pinned version, and nothing else', () => {
  const pinned = { bucket: 'b', key: 'videos/a.mp4', version: 'etag', sequence: '2026-01-01T00:00:00.000Z#0' };
  for (const request of [
    { video: 's3://b/videos/a.mp4' },
    { video: pinned },
    { videos: ['s3://b/x.mp4', pinned] },
    { manifest: 's3://b/m.manifest.json', top: 3 },
  ]) {
    assert.ok(gpuRequestSchema.safeParse(request).success, JSON.stringify(request));
  }
  for (const request of [
    {},
    { video: 's3://b/a.mp4', manifest: 's3://b/m.json' },
    { video: 's3://b/' },
    { videos: [] },
    { video: pinned, labels: [] },
    { video: 's3://b/a.mp4', top: 0 },
    { video: 's3://b/a.mp4', priority: 1 },
  ]) {
    assert.ok(!gpuRequestSchema.safeParse(request).success, JSON.stringify(request));
  }
});

test('execution providers: the configured list, then without its head, CPU last; the first that loads is reported', async () => {
  assert.deepEqual(providerFallbacks(['cuda', 'cpu']), [['cuda', 'cpu'], ['cpu']]);
  assert.deepEqual(providerFallbacks(['cuda', 'webgpu']), [['cuda', 'webgpu'], ['webgpu'], ['cpu']]);
  assert.deepEqual(providerFallbacks(['cpu']), [['cpu']]);

  const warnings: string[] = [];
  const tried: string[][] = [];
  const load = async (providers: string[]) => {
    tried.push(providers);
    if (providers[0] === 'cuda') throw new Error('libcudart.so.12: cannot open shared object file');
    return `session on ${providers.join(',')}`;
  };
  assert.deepEqual(await loadWithFallback(['cuda', 'webgpu', 'cpu'], load, (line) => warnings.push(line)), {
    loaded: 'session on webgpu,cpu',
    executionProvider: 'webgpu',
  });
  assert.deepEqual(tried, [
    ['cuda', 'webgpu', 'cpu'],
    ['webgpu', 'cpu'],
  ]);
  assert.deepEqual(warnings, [
    'execution provider cuda is unavailable, falling back to webgpu,cpu: Error: libcudart.so.12: cannot open shared object file',
  ]);

  await assert.rejects(
    loadWithFallback(
      ['cuda'],
      async () => {
        throw new Error('no model');
      },
      () => {},
    ),
    /no model/,
    "CPU's own error is thrown",
  );
});

const INDEX_ARN = 'arn:aws:s3vectors:us-east-1:123456789012:bucket/vectors/index/videos';

test("the GPU server's environment: provider list, decoders, batch size and decode timeout, SageMaker's port by default; every bad variable named", () => {
  const config = loadGpuServerConfig({
    BUCKET_NAME: 'b',
    TABLE_NAME: 't',
    VECTOR_INDEX_ARN: INDEX_ARN,
    XCLIP_EXECUTION_PROVIDERS: ' WebGPU , cpu ',
  });
  assert.deepEqual(config.executionProviders, ['webgpu', 'cpu']);
  assert.equal(config.port, 8080);
  assert.equal(config.modelDir, '/opt/model');
  assert.ok(config.videoConcurrency >= 1);
  assert.deepEqual([config.maxVideoBatch, config.decodeTimeoutMs], [32, 120_000]);
  const tuned = loadGpuServerConfig({
    BUCKET_NAME: 'b',
    TABLE_NAME: 't',
    VECTOR_INDEX_ARN: INDEX_ARN,
    VIDEO_CONCURRENCY: '6',
    MAX_VIDEO_BATCH: '8',
    DECODE_TIMEOUT_SECONDS: '300',
  });
  assert.deepEqual([tuned.videoConcurrency, tuned.maxVideoBatch, tuned.decodeTimeoutMs], [6, 8, 300_000]);
  assert.throws(
    () =>
      loadGpuServerConfig({
        XCLIP_EXECUTION_PROVIDERS: 'cuda;cpu',
        VIDEO_CONCURRENCY: '0',
        MAX_VIDEO_BATCH: 'x',
        DECODE_TIMEOUT_SECONDS: '-1',
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const variable of [
        'BUCKET_NAME',
        'TABLE_NAME',
        'XCLIP_EXECUTION_PROVIDERS',
        'VIDEO_CONCURRENCY',
        'MAX_VIDEO_BATCH',
        'DECODE_TIMEOUT_SECONDS',
      ])
        assert.match(error.message, new RegExp(variable));
      return true;
    },
  );
});

test('asynchronous inference notifications as AWS documents them; anything else is an InvalidRequestError', () => {
  const completed = {
    awsRegion: 'us-east-1',
    eventTime: '2022-01-25T22:46:00.608Z',
    receivedTime: '2022-01-25T22:46:00.455Z',
    invocationStatus: 'Completed',
    requestParameters: {
      contentType: 'application/json',
      endpointName: 'e',
      inputLocation: 's3://b/gpu-requests/1.json',
    },
    responseParameters: { contentType: 'application/json', outputLocation: 's3://b/gpu-results/1.out' },
    inferenceId: '1',
    eventVersion: '1.0',
    eventSource: 'aws:sagemaker',
    eventName: 'InferenceResult',
  };
  assert.deepEqual(parseAsyncInferenceNotification(JSON.stringify(completed)), {
    status: 'Completed',
    outputLocation: 's3://b/gpu-results/1.out',
  });
  const failed = {
    ...completed,
    invocationStatus: 'Failed',
    failureReason: 'ClientError: Received server error (500) from model.',
    responseParameters: undefined,
  };
  assert.deepEqual(parseAsyncInferenceNotification(JSON.stringify(failed)), {
    status: 'Failed',
    inputLocation: 's3://b/gpu-requests/1.json',
    reason: 'ClientError: Received server error (500) from model.',
  });
  for (const message of [
    'not json',
    '{}',
    JSON.stringify({ ...completed, responseParameters: {} }),
    JSON.stringify({ ...completed, invocationStatus: 'InProgress' }),
  ]) {
    assert.throws(() => parseAsyncInferenceNotification(message), InvalidRequestError, message);
  }
});

test('a manifest goes out in requests of VIDEOS_PER_GPU_REQUEST, its finished and missing videos left out; a bad one is rejected', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xclip-routing-'));
  const objects = new FsObjectStore(join(root, 'bucket'));
  const results = new SqliteResultStore(join(root, 'results.db'));
  const submitted: string[] = [];
  const endpoint: GpuEndpoint = {
    submit: async (inputLocation) => {
      submitted.push(inputLocation);
      return {};
    },
  };
  const deps = {
    policy,
    sender: new GpuRequestSender(objects, endpoint, 'gpu-requests/'),
    objects,
    results,
    durationOf: async () => undefined,
  };
  const count = VIDEOS_PER_GPU_REQUEST * 2 + 5;
  const keys = Array.from({ length: count }, (_, i) => `videos/v${i}.mp4`);
  for (const key of keys) await objects.put(key, Buffer.from(key), 'video/mp4');
  const finished = { bucket: objects.bucket, ...(await objects.head(keys[0]!))! };
  const id = videoIdFor(objects.bucket, finished.key);
  const at = new Date().toISOString();
  await results.enqueue(id, finished, at);
  await results.claim(id, finished.version, at, '2100-01-01T00:00:00.000Z');
  await results.fail(id, finished.version, { code: 'NOT_A_VIDEO', message: 'no' }, at);
  await objects.put(
    'videos/all.manifest.json',
    Buffer.from(
      JSON.stringify({ videos: [...keys, 'videos/missing.mp4'].map((key) => `s3://${objects.bucket}/${key}`) }),
    ),
    'application/json',
  );
  const manifest = { bucket: objects.bucket, ...(await objects.head('videos/all.manifest.json'))! };

  const routed = await routeUpload(deps, manifest, { labels: resolveLabelSet('k400'), top: 5 });
  assert.ok(routed.target === 'gpu');
  assert.deepEqual(
    routed.submissions.map((submission) => submission.videos),
    [VIDEOS_PER_GPU_REQUEST, VIDEOS_PER_GPU_REQUEST, count - 1 - 2 * VIDEOS_PER_GPU_REQUEST],
  );
  assert.equal(routed.skipped, 2, 'the FAILED version and the missing object');
  assert.equal(submitted.length, 3);
  assert.equal((await results.get(videoIdFor(objects.bucket, keys[1]!)))!.status, 'QUEUED');

  await objects.put(
    'videos/bad.manifest.json',
    Buffer.from(JSON.stringify({ videos: ['s3://elsewhere/a.mp4'] })),
    'application/json',
  );
  const bad = await routeUpload(
    deps,
    { bucket: objects.bucket, ...(await objects.head('videos/bad.manifest.json'))! },
    { labels: resolveLabelSet('k400'), top: 5 },
  );
  assert.equal(bad.target, 'rejected');
  assert.equal(bad.target === 'rejected' && bad.error.code, 'INVALID_REQUEST');
  assert.equal(submitted.length, 3);
});
