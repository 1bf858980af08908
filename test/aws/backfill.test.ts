import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoResultStore } from '../../layers/pipeline/adapters/aws/dynamo-result-store.js';
import { parseS3Notification, sourceOfRecord } from '../../layers/pipeline/adapters/aws/s3-notification.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { encodeFloat32 } from '../../layers/pipeline/core/index.js';
import type { SourceObject } from '../../layers/pipeline/core/result-schema.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { runXclip } from '../cli/run-xclip.js';
import { EMBEDDING, resultFor, sourceObject } from '../pipeline/records.js';
import { drainQueue } from './drain-queue.js';

let aws: LocalAws;
let bucket: S3ObjectStore;
let results: DynamoResultStore;

before(async () => {
  aws = await startLocalAws();
  bucket = new S3ObjectStore(aws.clients.s3, aws.bucket);
  results = new DynamoResultStore(aws.clients.dynamo, aws.table);
});
after(() => aws.close());

/** Every message on the queue, as the sources they name; the queue is left empty. */
async function drainSources(): Promise<SourceObject[]> {
  const bodies = await drainQueue(aws.clients.sqs, aws.queueUrl);
  return bodies.flatMap((body) => parseS3Notification(body).map(sourceOfRecord));
}

test('backfill queues each video not yet recorded for its current version, in batches, and skips it on the next run', async () => {
  const videos = Array.from({ length: 12 }, (_, i) => `videos/clip ${String(i).padStart(2, '0')}+ü.mp4`);
  for (const key of [...videos, 'videos/notes.txt', 'videos/sub/deep.MOV', 'other/outside.mp4'])
    await bucket.put(key, Buffer.from(key), 'video/mp4');
  const pending = (await bucket.head(videos[0]!))!;
  await results.enqueue(
    videoIdFor(aws.bucket, pending.key),
    { bucket: aws.bucket, ...pending },
    new Date().toISOString(),
  );

  const first = await runXclip('backfill', `s3://${aws.bucket}/videos/`, '--json');
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), { listed: 14, queued: 12, done: 0, pending: 1, failed: 0, notVideos: 1 });
  const queued = await drainSources();
  assert.deepEqual(queued.map((source) => source.key).sort(), [...videos.slice(1), 'videos/sub/deep.MOV'].sort());
  for (const source of queued) {
    const { key, version, sequence } = (await bucket.head(source.key))!;
    assert.deepEqual(source, { bucket: aws.bucket, key, version, sequence }, 'the message names the listed version');
    assert.equal((await results.get(videoIdFor(aws.bucket, key)))!.status, 'QUEUED');
  }

  const again = await runXclip('backfill', `s3://${aws.bucket}/videos/`, '--json');
  assert.deepEqual(JSON.parse(again.stdout), { listed: 14, queued: 0, done: 0, pending: 13, failed: 0, notVideos: 1 });
  assert.deepEqual(await drainSources(), []);

  await bucket.put(videos[1]!, Buffer.from('a new version'), 'video/mp4');
  const changed = await runXclip('backfill', `s3://${aws.bucket}/videos/clip 01`);
  assert.match(changed.stdout, /^queued 1 of 1 objects/);
  assert.deepEqual(
    (await drainSources()).map((source) => source.version),
    [(await bucket.head(videos[1]!))!.version],
  );
});

test('backfill needs an s3:// location, a queue and a table', async () => {
  const badLocation = await runXclip('backfill', 'uploads/videos');
  assert.notEqual(badLocation.code, 0);
  assert.match(badLocation.stderr, /^xclip: invalid location "uploads\/videos" \(expected s3:\/\/bucket\/prefix\)/m);
  const noQueue = await runXclip('backfill', 's3://uploads/videos/', '--queue-url', '');
  assert.match(noQueue.stderr, /--queue-url is required/);
});

test('backfill keeps to the upload rules, re-queues transient failures and abandoned claims, and leaves input failures', async () => {
  const keys = ['videos/rules/transient.mp4', 'videos/rules/abandoned.mp4', 'videos/rules/bad.mp4'];
  for (const key of [...keys, 'elsewhere/rules.mp4']) await bucket.put(key, Buffer.from(key), 'video/mp4');
  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
  const recorded = async (key: string) => {
    const id = videoIdFor(aws.bucket, key);
    await results.enqueue(id, { bucket: aws.bucket, ...(await bucket.head(key))! }, at(0));
    assert.ok(await results.claim(id, (await bucket.head(key))!.version, at(1), at(2)));
    return id;
  };
  const transient = await recorded(keys[0]!);
  await results.fail(
    transient,
    (await bucket.head(keys[0]!))!.version,
    { code: 'INTERNAL', message: 'x', retryable: true },
    at(3),
  );
  await recorded(keys[1]!);
  const bad = await recorded(keys[2]!);
  await results.fail(bad, (await bucket.head(keys[2]!))!.version, { code: 'NOT_A_VIDEO', message: 'no' }, at(3));

  const run = await runXclip('backfill', `s3://${aws.bucket}/`, '--json', '--upload-prefix', 'videos/rules/');
  assert.equal(run.code, 0, run.stderr);
  const counts = JSON.parse(run.stdout) as Record<string, number>;
  assert.equal(counts.queued, 2);
  assert.equal(counts.failed, 1);
  assert.ok(counts.notVideos! >= 1, 'the key outside the upload prefix is not queued');
  assert.deepEqual((await drainSources()).map((source) => source.key).sort(), keys.slice(0, 2).sort());
  for (const key of keys.slice(0, 2)) assert.equal((await results.get(videoIdFor(aws.bucket, key)))!.status, 'QUEUED');
  assert.equal((await results.get(bad))!.status, 'FAILED');
});

test('xclip retry queues FAILED videos again, one by key or every one under a prefix, and refuses the others', async () => {
  const at = new Date().toISOString();
  const failed = async (key: string) => {
    await bucket.put(key, Buffer.from(key), 'video/mp4');
    const source = { bucket: aws.bucket, ...(await bucket.head(key))! };
    const id = videoIdFor(aws.bucket, key);
    await results.enqueue(id, source, at);
    await results.fail(id, source.version, { code: 'NOT_A_VIDEO', message: 'no' }, at);
    return id;
  };
  const one = await failed('videos/retry/one.mp4');
  await failed('videos/retry/more/two.mp4');
  await failed('videos/retry/more/three.mp4');
  await drainSources();

  const single = await runXclip('retry', `s3://${aws.bucket}/videos/retry/one.mp4`);
  assert.equal(single.code, 0, single.stderr);
  assert.equal(single.stdout, 'queued videos/retry/one.mp4\n');
  assert.equal((await results.get(one))!.status, 'QUEUED');
  const again = await runXclip('retry', `s3://${aws.bucket}/videos/retry/one.mp4`, '--json');
  assert.notEqual(again.code, 0, 'a QUEUED video is refused');
  assert.match(JSON.parse(again.stdout).reason, /it is QUEUED/);

  const all = await runXclip('retry', '--failed', `s3://${aws.bucket}/videos/retry/more/`, '--json');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout.trim().split('\n').length, 2);
  assert.deepEqual((await drainSources()).map((source) => source.key).sort(), [
    'videos/retry/more/three.mp4',
    'videos/retry/more/two.mp4',
    'videos/retry/one.mp4',
  ]);
});

test('xclip upgrade-table copies the videos of a table of the unsharded layout into the sharded one, once', async () => {
  const old = 'unsharded-results';
  await aws.clients.dynamo.send(
    new CreateTableCommand({
      TableName: old,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  const at = '2026-01-01T00:00:00.000Z';
  // Items as the unsharded layout wrote them: `entity` on video items, label items keyed by label alone.
  const oldVideo = (key: string, fields: Record<string, unknown>, version = 'v1') => ({
    pk: videoIdFor('bucket', key),
    entity: 'VIDEO',
    bucket: 'bucket',
    key,
    version,
    sequence: '0001',
    attempts: 1,
    queuedAt: at,
    updatedAt: at,
    ...fields,
  });
  const done = resultFor(sourceObject('upgrade/done.mp4'), [['upgraded label', 0.7]]);
  const items = [
    oldVideo('upgrade/done.mp4', { status: 'DONE', result: done, embedding: encodeFloat32(EMBEDDING) }),
    oldVideo('upgrade/failed.mp4', { status: 'FAILED', error: { code: 'NOT_A_VIDEO', message: 'no' } }),
    oldVideo('upgrade/newer.mp4', { status: 'FAILED', error: { code: 'NOT_A_VIDEO', message: 'no' } }, 'v0'),
    oldVideo('upgrade/corrupt.mp4', { status: 'LOST' }),
    {
      pk: `${videoIdFor('bucket', 'upgrade/done.mp4')}#label#upgraded label`,
      videoId: videoIdFor('bucket', 'upgrade/done.mp4'),
      label: 'upgraded label',
      score: 0.7,
      version: 'v1',
      sequence: '0001',
    },
  ];
  for (const Item of items) await aws.clients.dynamo.send(new PutCommand({ TableName: old, Item }));
  // Recorded in the new table since the upgrade: newer than the old table's, so kept.
  const newer = videoIdFor('bucket', 'upgrade/newer.mp4');
  await results.enqueue(newer, sourceObject('upgrade/newer.mp4', 'v2', '0002'), at);

  const run = await runXclip('upgrade-table', '--from', old, '--json');
  assert.equal(run.code, 1, 'an item that holds no record is reported');
  assert.deepEqual(JSON.parse(run.stdout), { videos: 4, copied: 2, kept: 1, unusable: 1 });
  assert.equal(await results.get(videoIdFor('bucket', 'upgrade/corrupt.mp4')), undefined);
  const copied = (await results.get(videoIdFor('bucket', 'upgrade/done.mp4')))!;
  assert.equal(copied.status, 'DONE');
  assert.deepEqual(copied.result, done);
  const labelled = await results.list({ label: 'upgraded label', limit: 10 });
  assert.deepEqual(
    labelled.items.map((record) => record.source.key),
    ['upgrade/done.mp4'],
  );
  const failed = await results.list({ status: 'FAILED', limit: 100 });
  assert.ok(failed.items.some((record) => record.source.key === 'upgrade/failed.mp4'));
  assert.equal((await results.get(newer))!.source.version, 'v2');

  const again = await runXclip('upgrade-table', '--from', old, '--json');
  assert.deepEqual(JSON.parse(again.stdout), { videos: 4, copied: 0, kept: 3, unusable: 1 });
});
