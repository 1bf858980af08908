import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { createApi } from '../../layers/pipeline/http/api-app.js';
import { videoResponseSchema } from '../../layers/pipeline/http/schemas.js';
import { byteRange, LocalArtifactLinks, MEDIA_ROUTE } from '../../layers/pipeline/http/signed-links.js';
import { localServerApp } from '../../layers/pipeline/runtimes/local/local-server-app.js';
import { sourceObject } from './records.js';

test('byte ranges: one range, open-ended or a suffix, clipped to the file; anything else is no range', () => {
  assert.deepEqual(byteRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(byteRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(byteRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(byteRange('bytes=50-500', 100), { start: 50, end: 99 });
  for (const header of ['bytes=100-', 'bytes=9-0', 'bytes=-', 'bytes=0-1,5-6', 'items=0-1', undefined])
    assert.equal(byteRange(header, 100), undefined, String(header));
});

test("GET /videos/{id} gives a signed URL of the video that streams it, with byte ranges for the player's seeking", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'xclip-media-'));
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
  writeFileSync(join(folder, 'clip one.mp4'), bytes);
  const bucket = new FsObjectStore(folder).bucket;
  const results = new SqliteResultStore(':memory:');
  const id = videoIdFor(bucket, 'clip one.mp4');
  await results.enqueue(id, sourceObject('clip one.mp4', 'v1', '0001', bucket), new Date(0).toISOString());
  const mediaLinks = new LocalArtifactLinks(MEDIA_ROUTE);
  const api = createApi({
    results,
    artifacts: new FsObjectStore(mkdtempSync(join(tmpdir(), 'xclip-media-artifacts-'))),
    vectors: await LanceVectorIndex.open({
      directory: mkdtempSync(join(tmpdir(), 'xclip-media-vectors-')),
      dimension: 4,
    }),
    sourceLinks: mediaLinks,
    model: async () => assert.fail('no model needed'),
  });
  const app = localServerApp(api, { watchDir: folder, mediaLinks });

  const { videoUrl } = videoResponseSchema.parse(await (await app.request(`/videos/${id}`)).json());
  assert.ok(videoUrl);
  assert.ok(videoUrl.startsWith(`${MEDIA_ROUTE}?`));
  const whole = await app.request(videoUrl);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'video/mp4');
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes);

  const part = await app.request(videoUrl, { headers: { range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), 'bytes 100-199/1000');
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 200));
  assert.equal((await app.request(videoUrl, { headers: { range: 'bytes=5000-' } })).status, 416);

  const url = new URL(videoUrl, 'http://x');
  url.searchParams.set('key', '../outside.mp4');
  assert.equal((await app.request(`${url.pathname}${url.search}`)).status, 404, 'the signature covers the key');
  const thumbnailSigner = new LocalArtifactLinks();
  assert.equal((await app.request(await thumbnailSigner.urlOf('clip one.mp4'))).status, 404, 'another route');
  assert.equal(
    (await app.request((await thumbnailSigner.urlOf('clip one.mp4')).replace('/artifacts', MEDIA_ROUTE))).status,
    404,
    "a thumbnail URL's signature does not open the media route",
  );
  results.close();
});
