import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { S3ArtifactLinks } from '../../layers/pipeline/adapters/aws/s3-artifact-links.js';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { LINK_WINDOW_MS, linkWindowStart } from '../../layers/pipeline/core/ports/artifact-links.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';

let aws: LocalAws;

before(async () => {
  aws = await startLocalAws();
});
after(() => aws.close());

test('a presigned thumbnail URL gets the object with no credentials, and stays the same within its window', async () => {
  const key = 'thumbnails/videos/a b+ü.mp4.poster.jpg';
  const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  await new S3ObjectStore(aws.clients.s3, aws.bucket).put(key, bytes, 'image/jpeg');
  // The start of the real clock's window: s3rver refuses a presigned URL whose time has passed.
  const windowStart = linkWindowStart(new Date());
  let now = windowStart;
  const links = new S3ArtifactLinks(aws.clients.s3, aws.bucket, () => now);
  const url = await links.urlOf(key);
  now = new Date(now.getTime() + LINK_WINDOW_MS / 2);
  assert.equal(await links.urlOf(key), url, 'browsers may cache it');
  now = new Date(now.getTime() + LINK_WINDOW_MS);
  assert.notEqual(await links.urlOf(key), url, 'a new window, a new URL');

  const signed = new URL(url);
  assert.equal(signed.searchParams.get('X-Amz-Expires'), String((2 * LINK_WINDOW_MS) / 1000));
  const amzDate = windowStart.toISOString().replace(/[-:]|\.\d{3}/g, '');
  assert.equal(signed.searchParams.get('X-Amz-Date'), amzDate, 'dated at the start of its window');
  // s3rver serves presigned URLs without checking their signature: the dates above are what S3 checks.
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
});
