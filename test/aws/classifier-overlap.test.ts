import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClassifierContainer } from '../../functions/classifier/container.js';
import { createClassifierHandler } from '../../functions/classifier/handler.js';
import { loadConfig } from '../../functions/shared/config.js';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import type { VideoModel } from '../../layers/pipeline/core/ports/video-model.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { lambdaContext, sampleEvent, sqsEvent, withStoredVersions } from '../../scripts/lib/lambda-events.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

let aws: LocalAws;
let vectorIndex: LocalVectorIndex;
const work = mkdtempSync(join(tmpdir(), 'xclip-classifier-overlap-'));

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  process.env.MODEL_DIR = await buildSmallTextModel();
  process.env.LABEL_FEATURE_CACHE_DIR = join(work, 'label-features');
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

test('a batch runs its first record alone, then two at a time: one video decodes while the model runs on another', async () => {
  const bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  const results = new DynamoResultStore(aws.clients.dynamo, aws.table);
  const video = readFileSync(makeTestVideo(work, 'pattern.mp4'));
  const keys = ['videos/o1.mp4', 'videos/o2.mp4', 'videos/o3.mp4', 'videos/o4.mp4'];
  const bodies = [];
  for (const key of keys) {
    await bucket.put(key, video, 'video/mp4');
    const sample = sampleEvent<{ Records: Array<{ s3: { object: { key: string } } }> }>('s3-put.json');
    sample.Records[0]!.s3.object.key = key;
    bodies.push(await withStoredVersions(JSON.stringify(sample), bucket));
  }
  const inHand: number[] = [];
  let now = 0;
  const handler = createClassifierHandler(async () => {
    const container = await createClassifierContainer(loadConfig());
    const model = container.deps.model;
    // The real model, with each classification's start counted against those still running.
    const counted: VideoModel = Object.create(model, {
      classifyFile: {
        value: async (...args: Parameters<VideoModel['classifyFile']>) => {
          inHand.push(++now);
          try {
            return await model.classifyFile(...args);
          } finally {
            now--;
          }
        },
      },
    });
    return { ...container, deps: { ...container.deps, model: counted } };
  });
  assert.deepEqual(await handler(sqsEvent(bodies), lambdaContext), { batchItemFailures: [] });
  for (const key of keys) assert.equal((await results.get(videoIdFor(aws.bucket, key)))!.status, 'DONE', key);
  assert.equal(inHand[0], 1, 'the first record runs alone');
  assert.equal(Math.max(...inHand), 2, `classifications in hand as each started: ${inHand}`);
});
