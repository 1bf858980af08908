import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VideoTooLargeError } from '../../layers/media/errors.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { InvalidKeyError } from '../../layers/pipeline/core/errors.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';

let aws: LocalAws;
let store: S3ObjectStore;
const work = mkdtempSync(join(tmpdir(), 'xclip-s3-store-'));

before(async () => {
  aws = await startLocalAws();
  store = new S3ObjectStore(aws.clients.s3, aws.bucket, { maxDownloadBytes: 16, listPageSize: 2 });
});
after(() => aws.close());

test('put, get and head round-trip keys with spaces, unicode and +; a missing object is undefined', async () => {
  const key = 'videos/a b+ü.mp4';
  await store.put(key, Buffer.from('0123456789'), 'video/mp4');
  assert.equal((await store.get(key))!.toString(), '0123456789');
  const info = (await store.head(key))!;
  assert.equal(info.bytes, 10);
  assert.match(info.version, /^[0-9a-f]{32}$/, 'the unquoted ETag');
  assert.match(info.sequence, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#0{32}$/);
  assert.equal(await store.head('videos/none.mp4'), undefined);
  assert.equal(await store.get('videos/none.mp4'), undefined);
  assert.equal(await store.download('videos/none.mp4', join(work, 'none')), undefined);
  await assert.rejects(store.head(''), InvalidKeyError);
  await assert.rejects(store.head('k'.repeat(1025)), InvalidKeyError);
});

test('download streams to a file and refuses an object over the size cap, leaving no file', async () => {
  await store.put('videos/small.mp4', Buffer.from('small'), 'video/mp4');
  const path = join(work, 'small');
  assert.equal(
    (await store.download('videos/small.mp4', path))!.version,
    (await store.head('videos/small.mp4'))!.version,
  );
  assert.equal(readFileSync(path, 'utf8'), 'small');

  await store.put('videos/large.mp4', Buffer.alloc(17), 'video/mp4');
  const large = join(work, 'large');
  await assert.rejects(store.download('videos/large.mp4', large), VideoTooLargeError);
  assert.equal(existsSync(large), false);
});

test('list pages through every object under a prefix, in key order', async () => {
  for (const name of ['l/3.mp4', 'l/1.mp4', 'l/2.mp4', 'l/sub/4.mp4', 'other/5.mp4'])
    await store.put(name, Buffer.from(name), 'video/mp4');
  const keys = [];
  for await (const info of store.list('l/')) keys.push(info.key);
  assert.deepEqual(keys, ['l/1.mp4', 'l/2.mp4', 'l/3.mp4', 'l/sub/4.mp4']);
});
