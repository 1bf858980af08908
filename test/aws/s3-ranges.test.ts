import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sampleFrames } from '../../layers/media/index.js';
import { s3DurationProbe } from '../../layers/pipeline/adapters/aws/s3-duration-probe.js';
import { ObjectChangedError, S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { videos } from '../media/generated-videos.js';

let aws: LocalAws;
let store: S3ObjectStore;

before(async () => {
  aws = await startLocalAws();
  store = new S3ObjectStore(aws.clients.s3, aws.bucket);
});
after(() => aws.close());

const request = { frames: 8, size: 32, decoder: 'in-process' } as const;

test('an S3 object read by ranges gives the local file frames, fetching only part of it', async () => {
  const path = videos.manyReads();
  const bytes = readFileSync(path);
  await store.put('videos/ranges.mp4', bytes, 'video/mp4');
  const opened = (await store.openRanges('videos/ranges.mp4'))!;
  assert.deepEqual(opened.info, await store.head('videos/ranges.mp4'));
  assert.equal(opened.source.size, bytes.length);
  const fromS3 = await sampleFrames('videos/ranges.mp4', { ...request, source: opened.source });
  const fromFile = await sampleFrames(path, request);
  assert.deepEqual(fromS3.frames, fromFile.frames);
  assert.deepEqual(fromS3.times, fromFile.times);
  // A sampling of the frame at 0.5 s needs the file's index and its first frames, not the whole of it.
  const early = (await store.openRanges('videos/ranges.mp4'))!;
  await sampleFrames('videos/ranges.mp4', {
    frames: 1,
    size: 32,
    decoder: 'in-process',
    exact: true,
    source: early.source,
  });
  assert.ok(early.source.bytesFetched < bytes.length, `${early.source.bytesFetched} of ${bytes.length} bytes`);
});

test('a missing object opens as undefined; one replaced while it is read fails the read', async () => {
  assert.equal(await store.openRanges('videos/none.mp4'), undefined);
  await store.put('videos/replaced.mp4', readFileSync(videos.basic()), 'video/mp4');
  const opened = (await store.openRanges('videos/replaced.mp4'))!;
  await store.put('videos/replaced.mp4', readFileSync(videos.sar2()), 'video/mp4');
  await assert.rejects(opened.source.read(0, 1024), ObjectChangedError);
});

test('the S3 duration probe reads the duration by ranges; an object that is no video or is gone has none', async () => {
  const probe = s3DurationProbe(store, 20_000);
  const object = (key: string) => ({ bucket: aws.bucket, key, version: 'v', sequence: 's' });
  await store.put('videos/two-seconds.mp4', readFileSync(videos.basic()), 'video/mp4');
  const seconds = await probe(object('videos/two-seconds.mp4'));
  assert.ok(seconds !== undefined && Math.abs(seconds - 2) < 0.1, `${seconds} s`);
  await store.put('videos/notes.mp4', Buffer.from('meeting notes\n'.repeat(100)), 'video/mp4');
  assert.equal(await probe(object('videos/notes.mp4')), undefined);
  assert.equal(await probe(object('videos/gone.mp4')), undefined);
});
