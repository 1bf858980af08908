import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Hono } from 'hono';
import { gpuBatchServices } from '../../functions/gpu-server/batch-services.js';
import { loadGpuServerConfig } from '../../functions/gpu-server/config.js';
import { loadGpuModel } from '../../functions/gpu-server/model.js';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { VideoClassifier } from '../../layers/pipeline/core/classifier.js';
import { videoResultSchema } from '../../layers/pipeline/core/result-schema.js';
import { gpuSummarySchema, type VideoOutcome } from '../../layers/pipeline/core/routing/gpu-request.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { createGpuServer, MAX_REQUEST_BYTES, type ModelState } from '../../layers/pipeline/http/gpu-server-app.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-gpu-server-'));
let aws: LocalAws;
let vectorIndex: LocalVectorIndex;
let bucket: S3ObjectStore;
let results: DynamoResultStore;
let modelDir: string;
let state: ModelState = { status: 'loading' };
let app: Hono;
const warnings: string[] = [];
const serverErrors: string[] = [];

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  results = new DynamoResultStore(aws.clients.dynamo, aws.table);
  modelDir = await buildSmallTextModel();
  for (const [key, options] of [
    ['videos/clip.mp4', {}],
    ['videos/bars.mp4', { pattern: 'smptebars', seconds: 6 }],
  ] as const) {
    await bucket.put(key, readFileSync(makeTestVideo(work, key.replace('videos/', ''), options)), 'video/mp4');
  }
  await bucket.put('videos/notes.mp4', Buffer.from('not a video'), 'video/mp4');
  app = createGpuServer({ model: () => state, log: (line) => serverErrors.push(line) });
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

function invoke(body: string | Uint8Array, contentType = 'application/json'): Promise<Response> {
  return Promise.resolve(
    app.request('/invocations', { method: 'POST', headers: { 'content-type': contentType }, body }),
  );
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...error };
}

describe('the SageMaker container contract, on CPU', () => {
  test('/ping answers 503 while the model loads, then 200 with the execution provider: CUDA is absent here, so CPU with a warning', async () => {
    const loading = await app.request('/ping');
    assert.equal(loading.status, 503);
    assert.deepEqual(await loading.json(), { status: 'loading' });

    const config = loadGpuServerConfig({
      BUCKET_NAME: aws.bucket,
      TABLE_NAME: aws.table,
      MODEL_DIR: modelDir,
      LABEL_FEATURE_CACHE_DIR: join(work, 'labels'),
      VIDEO_CONCURRENCY: '3',
      ...vectorIndex.env,
    });
    assert.deepEqual(config.executionProviders, ['cuda', 'cpu'], 'the default provider list');
    assert.equal(config.maxVideoBatch, 32, 'concurrent videos share vision runs by default');
    assert.equal(config.decodeTimeoutMs, 120_000, "decoders sharing the cores get twice the Lambda's time");
    const model = await loadGpuModel(config, (line) => warnings.push(line));
    assert.equal(model.model.executionProvider, 'cpu');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /execution provider cuda is unavailable, falling back to cpu/);
    state = { status: 'ready', deps: gpuBatchServices(config, () => {})(model) };

    const ready = await app.request('/ping');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      status: 'ready',
      executionProvider: 'cpu',
      model: { id: model.model.id, precision: 'fp32', sha256: model.model.sha256, executionProvider: 'cpu' },
    });
  });

  test('one video by URI: classified and stored exactly as the Lambda path stores it; the summary reports the provider in its timings', async () => {
    const response = await invoke(JSON.stringify({ video: `s3://${aws.bucket}/videos/clip.mp4` }));
    assert.equal(response.status, 200);
    const summary = gpuSummarySchema.parse(await response.json());
    assert.deepEqual(summary.counts, { done: 1, failed: 0, skipped: 0 });
    assert.equal(summary.executionProvider, 'cpu');
    assert.equal(summary.timings.executionProvider, 'cpu');
    const outcome = summary.videos[0]!;
    assert.equal(outcome.status, 'DONE');
    assert.equal(outcome.status === 'DONE' && outcome.timings.executionProvider, 'cpu');
    assert.equal(outcome.status === 'DONE' && outcome.labels.length, 5);

    const record = (await results.get(videoIdFor(aws.bucket, 'videos/clip.mp4')))!;
    assert.equal(record.status, 'DONE');
    assert.equal(record.attempts, 1);
    const document = videoResultSchema.parse(
      JSON.parse((await bucket.get(artifactKeysFor('videos/clip.mp4').result))!.toString()),
    );
    assert.deepEqual(document, record.result);
    assert.deepEqual(outcome.status === 'DONE' && outcome.labels, record.result!.labels);
    assert.ok(await bucket.head(artifactKeysFor('videos/clip.mp4').embedding));
    assert.ok(await bucket.head(artifactKeysFor('videos/clip.mp4').visualTokens));

    const again = gpuSummarySchema.parse(
      await (await invoke(JSON.stringify({ video: `s3://${aws.bucket}/videos/clip.mp4` }))).json(),
    );
    assert.equal(again.videos[0]!.status, 'SKIPPED', 'a version already done is not classified again');
  });

  test("a manifest: its videos and options (timeline, custom labels), the request's options on top; a missing video and a non-video fail alone", async () => {
    const bars = (await bucket.head('videos/bars.mp4'))!;
    const pinned = { bucket: aws.bucket, key: 'videos/bars.mp4', version: bars.version, sequence: bars.sequence };
    await bucket.put(
      'videos/batch.manifest.json',
      Buffer.from(
        JSON.stringify({
          videos: [pinned, `s3://${aws.bucket}/videos/gone.mp4`, `s3://${aws.bucket}/videos/notes.mp4`],
          labels: 'surfing,cooking,dancing',
          top: 3,
          timelineSeconds: 2,
        }),
      ),
      'application/json',
    );
    const response = await invoke(
      JSON.stringify({ manifest: `s3://${aws.bucket}/videos/batch.manifest.json`, top: 2 }),
      'application/json; charset=utf-8',
    );
    assert.equal(response.status, 200);
    const summary = gpuSummarySchema.parse(await response.json());
    assert.deepEqual(
      summary.videos.map((video) => [video.key, video.status]),
      [
        ['videos/bars.mp4', 'DONE'],
        ['videos/gone.mp4', 'FAILED'],
        ['videos/notes.mp4', 'FAILED'],
      ],
    );
    const [done, gone, notes] = summary.videos as [VideoOutcome, VideoOutcome, VideoOutcome];
    assert.ok(gone.status === 'FAILED' && gone.error.code === 'OBJECT_NOT_FOUND' && gone.source === undefined);
    assert.ok(notes.status === 'FAILED' && ['NOT_A_VIDEO', 'CORRUPT_VIDEO'].includes(notes.error.code));
    assert.equal((await results.get(videoIdFor(aws.bucket, 'videos/notes.mp4')))!.status, 'FAILED');
    assert.equal(await results.get(videoIdFor(aws.bucket, 'videos/gone.mp4')), undefined);

    const result = (await results.get(done.status === 'DONE' ? done.id : ''))!.result!;
    assert.equal(result.labels.length, 2, "the request's top overrides the manifest's");
    assert.ok(
      result.labels.every((label) => ['surfing', 'cooking', 'dancing'].includes(label.label)),
      "the manifest's labels",
    );
    assert.equal(result.timeline?.length, 3, 'six seconds in windows of two');
  });

  test("a list classified by the server (three decoders at once) gives each video what it gets alone, in the request's order", async () => {
    const patterns = ['testsrc2', 'rgbtestsrc', 'mandelbrot', 'smptehdbars', 'yuvtestsrc'];
    const keys = patterns.map((pattern) => `videos/many-${pattern}.mp4`);
    const files = patterns.map((pattern) => makeTestVideo(work, `many-${pattern}.mp4`, { pattern, seconds: 2 }));
    await Promise.all(keys.map((key, i) => bucket.put(key, readFileSync(files[i]!), 'video/mp4')));
    const summary = gpuSummarySchema.parse(
      await (await invoke(JSON.stringify({ videos: keys.map((key) => `s3://${aws.bucket}/${key}`) }))).json(),
    );
    assert.deepEqual(
      summary.videos.map((video) => [video.key, video.status]),
      keys.map((key) => [key, 'DONE']),
    );

    const alone = await VideoClassifier.load({ modelDir, threads: 1 });
    try {
      for (const [i, file] of files.entries()) {
        const expected = await alone.classifyFile(file, { top: 5 });
        const stored = (await results.get(videoIdFor(aws.bucket, keys[i]!)))!.result!;
        assert.deepEqual(
          stored.labels.map((label) => label.label),
          expected.labels.map((label) => label.label),
          keys[i],
        );
        stored.labels.forEach((label, k) => {
          assert.ok(Math.abs(label.logit - expected.labels[k]!.logit) < 1e-4, `${keys[i]} logit ${k}`);
        });
      }
    } finally {
      await alone.release();
    }
  });

  test('bad requests get typed errors: malformed JSON, wrong content type, oversized, unknown manifest, foreign bucket, bad labels, bad shape', async () => {
    assert.deepEqual(await errorOf(await invoke('{"video":')), {
      status: 400,
      code: 'INVALID_REQUEST',
      message: 'invalid GPU request (it is not JSON)',
    });
    const wrongType = await errorOf(
      await invoke(JSON.stringify({ video: `s3://${aws.bucket}/videos/clip.mp4` }), 'text/plain'),
    );
    assert.deepEqual([wrongType.status, wrongType.code], [415, 'UNSUPPORTED_MEDIA_TYPE']);
    const oversized = await errorOf(
      await invoke(
        JSON.stringify({ videos: Array(Math.ceil(MAX_REQUEST_BYTES / 20)).fill(`s3://${aws.bucket}/videos/clip.mp4`) }),
      ),
    );
    assert.deepEqual([oversized.status, oversized.code], [413, 'PAYLOAD_TOO_LARGE']);
    const unknown = await errorOf(
      await invoke(JSON.stringify({ manifest: `s3://${aws.bucket}/videos/none.manifest.json` })),
    );
    assert.deepEqual([unknown.status, unknown.code], [404, 'NOT_FOUND']);
    const foreign = await errorOf(await invoke(JSON.stringify({ video: 's3://someone-else/videos/clip.mp4' })));
    assert.deepEqual([foreign.status, foreign.code], [400, 'INVALID_REQUEST']);
    assert.match(foreign.message, new RegExp(`only objects of bucket ${aws.bucket}`));
    const labels = await errorOf(
      await invoke(JSON.stringify({ video: `s3://${aws.bucket}/videos/clip.mp4`, labels: 'k999' })),
    );
    assert.deepEqual([labels.status, labels.code], [400, 'INVALID_LABELS']);
    for (const body of [
      {},
      { video: `s3://${aws.bucket}/a.mp4`, videos: [`s3://${aws.bucket}/b.mp4`] },
      { video: 'https://example.com/a.mp4' },
      { videos: [] },
      { video: `s3://${aws.bucket}/a.mp4`, extra: 1 },
    ]) {
      const error = await errorOf(await invoke(JSON.stringify(body)));
      assert.deepEqual([error.status, error.code], [400, 'INVALID_REQUEST'], JSON.stringify(body));
    }
    assert.equal((await app.request('/invocations')).status, 404);
    assert.deepEqual(serverErrors, []);
  });

  test('no invocation is served before the model is ready, or after it failed to load', async () => {
    const ready = state;
    try {
      state = { status: 'loading' };
      assert.deepEqual(
        (await errorOf(await invoke(JSON.stringify({ video: `s3://${aws.bucket}/videos/clip.mp4` })))).status,
        503,
      );
      state = { status: 'failed', error: new Error('no model.onnx') };
      const ping = await app.request('/ping');
      assert.equal(ping.status, 500);
      assert.deepEqual(await ping.json(), { status: 'failed', error: 'Error: no model.onnx' });
    } finally {
      state = ready;
    }
  });
});

describe('the bundled server as the GPU image runs it', () => {
  const out = join(work, 'functions');
  let server: ChildProcess | undefined;
  before(async () => {
    await promisify(execFile)(process.execPath, ['scripts/build.mjs', out]);
    // onnxruntime-node stays external: the image installs it beside the bundles, as this link does.
    symlinkSync(join(process.cwd(), 'node_modules'), join(work, 'node_modules'));
  });
  after(() => server?.kill('SIGKILL'));

  test('`serve` listens, pings ready on CPU, classifies, and stops on SIGTERM; another command is refused', async () => {
    const bundle = join(out, 'gpu-server', 'index.mjs');
    const refused = spawn(process.execPath, [bundle, 'train'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const [code] = (await once(refused, 'exit')) as [number];
    assert.equal(code, 2);

    server = spawn(process.execPath, [bundle, 'serve'], {
      env: {
        ...process.env,
        ...aws.env,
        ...vectorIndex.env,
        MODEL_DIR: modelDir,
        SAGEMAKER_BIND_TO_PORT: '0',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        LABEL_FEATURE_CACHE_DIR: join(work, 'labels'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"message":"listening".*?"port":(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      server!.stdout!.on('data', collect);
      server!.stderr!.on('data', collect);
      server!.once('exit', (exit) => reject(new Error(`server exited with ${exit}: ${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    let ping: Response;
    do ping = await fetch(`${base}/ping`);
    while (ping.status === 503);
    assert.equal(ping.status, 200);
    assert.equal(((await ping.json()) as { executionProvider: string }).executionProvider, 'cpu');
    assert.match(output, /execution provider cuda is unavailable, falling back to cpu/);

    await bucket.put('videos/served.mp4', readFileSync(join(work, 'clip.mp4')), 'video/mp4');
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ videos: [`s3://${aws.bucket}/videos/served.mp4`] }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(gpuSummarySchema.parse(await response.json()).counts, { done: 1, failed: 0, skipped: 0 });

    server.kill('SIGTERM');
    const [exit] = (await once(server, 'exit')) as [number];
    assert.equal(exit, 0);
  });
});
