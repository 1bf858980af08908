import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ClassifierHandler } from '../../functions/classifier/handler.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { lambdaContext, sampleEvent, sqsEvent, withStoredVersions } from '../../scripts/lib/lambda-events.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-bundle-'));
const out = join(work, 'functions');
let aws: LocalAws;
let vectorIndex: LocalVectorIndex;

before(async () => {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs', out]);
  // onnxruntime-node stays external: the image installs it beside the bundles, as this link does.
  symlinkSync(join(process.cwd(), 'node_modules'), join(work, 'node_modules'));
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  Object.assign(process.env, {
    MODEL_DIR: await buildSmallTextModel(),
    LABEL_FEATURE_CACHE_DIR: join(work, 'label-features'),
  });
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

test('each handler is one ESM bundle with the session thread, the label sets and CLIP BPE files beside it, the API also the web page', () => {
  const importsOrt = /from\s*"onnxruntime-node"|import\("onnxruntime-node"\)/;
  for (const name of ['classifier', 'api']) {
    // The model's sessions run in the session thread's module, which leaves onnxruntime-node external.
    assert.match(readFileSync(join(out, name, 'session-worker.mjs'), 'utf8'), importsOrt, `${name}'s session thread`);
    assert.doesNotMatch(readFileSync(join(out, name, 'index.mjs'), 'utf8'), importsOrt, `${name}'s handler`);
    for (const asset of ['labels/kinetics_400_labels.csv', 'clip-bpe/vocab.json', 'clip-bpe/merges.txt'])
      assert.ok(existsSync(join(out, name, asset)), `${name}/${asset}`);
  }
  assert.ok(existsSync(join(out, 'api', 'web', 'index.html')), 'the API bundle carries the web page');
});

test('the bundled classifier classifies an SQS-wrapped S3 put, and the bundled API serves the result', async () => {
  const bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  const key = 'videos/my holiday clip.mp4';
  await bucket.put(key, readFileSync(makeTestVideo(work, 'clip.mp4')), 'video/mp4');
  const body = await withStoredVersions(JSON.stringify(sampleEvent('s3-put.json')), bucket);

  const classifier = (await import(pathToFileURL(join(out, 'classifier', 'index.mjs')).href)) as {
    handler: ClassifierHandler;
  };
  assert.deepEqual(await classifier.handler(sqsEvent([body]), lambdaContext), { batchItemFailures: [] });

  const api = (await import(pathToFileURL(join(out, 'api', 'index.mjs')).href)) as {
    handler: (
      event: APIGatewayProxyEventV2,
      context: typeof lambdaContext,
    ) => Promise<APIGatewayProxyStructuredResultV2>;
  };
  const request = sampleEvent<APIGatewayProxyEventV2>('api-get-video.json');
  request.rawPath = request.requestContext.http.path = `/videos/${videoIdFor(aws.bucket, key)}`;
  const reply = await api.handler(request, lambdaContext);
  assert.equal(reply.statusCode, 200);
  const record = JSON.parse(reply.body!) as { status: string; result: { labelSetId: string; labels: unknown[] } };
  assert.equal(record.status, 'DONE');
  assert.equal(record.result.labelSetId, 'k400', 'the built-in label set was read from the bundle directory');
  assert.equal(record.result.labels.length, 5);

  request.rawPath = request.requestContext.http.path = '/';
  const page = await api.handler(request, lambdaContext);
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers?.['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.body, readFileSync(join(out, 'api', 'web', 'index.html'), 'utf8'), 'the page from the bundle');
});
