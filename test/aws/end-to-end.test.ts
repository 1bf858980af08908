import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { handler as classifier } from '../../functions/classifier/handler.js';
import { encodeEventKey } from '../../layers/pipeline/adapters/aws/s3-notification.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import type { VideoRecord } from '../../layers/pipeline/core/result-schema.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { buildSmallTextModel, SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { callApi } from './api-events.js';
import { pollUntilEmpty } from './sqs-event-source.js';

interface Notification {
  Records: Array<{ s3: { object: { key: string } } }>;
}

let aws: LocalAws;
let vectorIndex: LocalVectorIndex;
let bucket: S3ObjectStore;
const forwarded: Array<Promise<unknown>> = [];
const work = mkdtempSync(join(tmpdir(), 'xclip-e2e-'));

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  Object.assign(process.env, {
    MODEL_DIR: await buildSmallTextModel(),
    LABEL_FEATURE_CACHE_DIR: join(work, 'label-features'),
  });
  bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  // The bucket's notification to the queue, filtered on the upload prefix as infra configures it:
  // s3rver's event, with the key form-encoded as S3 sends it.
  aws.s3Events.on('event', (notification: Notification) => {
    if (!notification.Records.every((record) => record.s3.object.key.startsWith('videos/'))) return;
    for (const record of notification.Records) record.s3.object.key = encodeEventKey(record.s3.object.key);
    forwarded.push(
      aws.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: aws.queueUrl, MessageBody: JSON.stringify(notification) }),
      ),
    );
  });
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

async function upload(key: string, file: string): Promise<void> {
  const notified = once(aws.s3Events, 'event');
  await bucket.put(key, readFileSync(file), 'video/mp4');
  await notified;
  await Promise.all(forwarded);
}

test('upload -> S3 event -> SQS -> classifier -> DynamoDB and S3 results -> the API lists, filters, searches and finds similar videos', async () => {
  const keys = ['videos/first take+ü.mp4', 'videos/second.mp4'];
  await upload(keys[0]!, makeTestVideo(work, 'a.mp4'));
  await upload(keys[1]!, makeTestVideo(work, 'b.mp4', { pattern: 'smptebars' }));
  await upload('videos/readme.txt', join(work, 'a.mp4'));

  assert.equal(await pollUntilEmpty(aws.clients.sqs, aws.queueUrl, classifier), 3);

  const ids = keys.map((key) => videoIdFor(aws.bucket, key));
  for (const [i, id] of ids.entries()) {
    const reply = await callApi('api-get-video.json', { path: `/videos/${id}` });
    assert.equal(reply.status, 200);
    const record = reply.json as VideoRecord;
    assert.equal(record.status, 'DONE');
    assert.equal(record.source.key, keys[i]);
    assert.deepEqual(JSON.parse((await bucket.get(artifactKeysFor(keys[i]!).result))!.toString()), record.result);
  }
  const list = await callApi('api-list-videos.json');
  assert.deepEqual(new Set((list.json as { items: Array<{ id: string }> }).items.map((item) => item.id)), new Set(ids));

  const first = ((await callApi('api-get-video.json', { path: `/videos/${ids[0]}` })).json as VideoRecord).result!;
  const byLabel = await callApi('api-list-videos.json', {
    query: `label=${encodeURIComponent(first.labels[0]!.label)}`,
  });
  assert.ok((byLabel.json as { items: Array<{ id: string }> }).items.some((item) => item.id === ids[0]));

  const search = await callApi('api-search.json');
  assert.equal(search.status, 200, JSON.stringify(search.json));
  assert.deepEqual(
    new Set((search.json as { items: Array<{ id: string }> }).items.map((item) => item.id)),
    new Set(ids),
  );

  // Filters go into the S3 Vectors query (the stand-in applies them as the service documents).
  const idsOf = async (body: unknown) => {
    const reply = await callApi('api-search.json', { body });
    assert.equal(reply.status, 200, JSON.stringify(reply.json));
    return new Set((reply.json as { items: Array<{ id: string }> }).items.map((item) => item.id));
  };
  assert.deepEqual(await idsOf({ text: 'a test pattern', filter: { keyPrefix: 'videos/' } }), new Set(ids));
  assert.deepEqual(await idsOf({ text: 'a test pattern', filter: { keyPrefix: 'elsewhere/' } }), new Set());
  assert.deepEqual(
    await idsOf({
      text: 'a test pattern',
      filter: { labels: [first.labels[0]!.label], completedTo: first.completedAt },
    }),
    new Set(),
    'completed strictly before the first video: none',
  );
  assert.ok((await idsOf({ text: 'a test pattern', filter: { labels: [first.labels[0]!.label] } })).has(ids[0]!));
  assert.deepEqual(await idsOf({ example: { videoId: ids[1] } }), new Set([ids[0]]));
  const tooMany = await callApi('api-search.json', { body: { text: 'a', k: 101 } });
  assert.equal(tooMany.status, 400);

  const similar = await callApi('api-get-video.json', { path: `/videos/${ids[0]}/similar`, query: 'k=5' });
  assert.deepEqual(
    (similar.json as { items: Array<{ id: string }> }).items.map((item) => item.id),
    [ids[1]],
  );

  const health = await callApi('api-list-videos.json', { path: '/health', query: '' });
  assert.equal(
    (health.json as { model?: { precision: string } }).model?.precision,
    'fp32',
    'the model loaded for search',
  );
});
