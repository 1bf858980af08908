import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Hono } from 'hono';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { LINK_WINDOW_MS } from '../../layers/pipeline/core/ports/artifact-links.js';
import { artifactKeysFor, thumbnailKey } from '../../layers/pipeline/core/storage-keys.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { createApi } from '../../layers/pipeline/http/api-app.js';
import { guardedApp } from '../../layers/pipeline/http/local-guard.js';
import { videoListSchema, videoResponseSchema } from '../../layers/pipeline/http/schemas.js';
import { LocalArtifactLinks } from '../../layers/pipeline/http/signed-links.js';
import { withPosters } from '../../layers/pipeline/http/thumbnail-urls.js';
import { isOpenLocalPath, localServerApp } from '../../layers/pipeline/runtimes/local/local-server-app.js';
import { resultFor, sourceObject } from './records.js';

const PORT = 8123;
const TOKEN = 'a-token-long-enough-1234';
const POSTER = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 7, 7, 7]);
const FRAME = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 8, 8, 8]);
const key = 'videos/a b+ü.mp4';
const id = videoIdFor('bucket', key);
let now = new Date(Date.UTC(2026, 11, 2, 10, 5));
let results: SqliteResultStore;
let links: LocalArtifactLinks;
let app: Hono;

async function get(path: string, headers: Record<string, string> = {}) {
  return app.request(path, { headers: { host: `localhost:${PORT}`, ...headers } });
}

before(async () => {
  results = new SqliteResultStore(':memory:');
  const work = mkdtempSync(join(tmpdir(), 'xclip-links-'));
  const artifacts = new FsObjectStore(work);
  const vectors = await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 4 });
  const keys = artifactKeysFor(key);
  await artifacts.put(thumbnailKey(keys, 'poster'), POSTER, 'image/jpeg');
  await artifacts.put(thumbnailKey(keys, 'frames'), FRAME, 'image/jpeg');
  await artifacts.put(keys.result, Buffer.from('{}'), 'application/json');
  const source = sourceObject(key);
  const at = now.toISOString();
  await results.enqueue(id, source, at);
  await results.claim(id, 'v1', at, '2100-01-01T00:00:00.000Z');
  const result = {
    ...resultFor(source, [['surfing water', 0.5]]),
    thumbnails: {
      contentType: 'image/jpeg' as const,
      poster: thumbnailKey(keys, 'poster'),
      frameSheet: { key: thumbnailKey(keys, 'frames'), columns: 1, tileWidth: 2, tileHeight: 2 },
      frames: [{ seconds: 0.25 }],
    },
  };
  await results.complete(id, 'v1', result, at);
  await results.enqueue(videoIdFor('bucket', 'old.mp4'), sourceObject('old.mp4'), at);

  links = new LocalArtifactLinks(undefined, () => now);
  const api = createApi({ results, artifacts, vectors, links, model: async () => assert.fail('no model needed') });
  app = guardedApp(localServerApp(api, { thumbnails: { artifacts, links } }), {
    port: PORT,
    token: TOKEN,
    openPaths: isOpenLocalPath,
  });
});

const authorized = { authorization: `Bearer ${TOKEN}` };

test('the API hands out thumbnail URLs that serve the JPEGs with no token', async () => {
  const record = videoResponseSchema.parse(await (await get(`/videos/${encodeURIComponent(id)}`, authorized)).json());
  assert.ok(record.thumbnailUrls);
  assert.deepEqual(record.thumbnailUrls.frames, [{ seconds: 0.25 }]);
  assert.deepEqual(
    { ...record.thumbnailUrls.frameSheet, url: '' },
    { url: '', columns: 1, tileWidth: 2, tileHeight: 2 },
  );
  const list = videoListSchema.parse(await (await get('/videos', authorized)).json());
  assert.equal(list.items.find((item) => item.id === id)?.thumbnail, record.thumbnailUrls.poster);
  assert.equal(list.items.find((item) => item.id !== id)?.thumbnail, undefined, 'a video with no result has none');

  for (const [url, bytes] of [
    [record.thumbnailUrls.poster, POSTER],
    [record.thumbnailUrls.frameSheet.url, FRAME],
  ] as const) {
    const response = await get(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
  }
  assert.equal((await get('/videos')).status, 401, 'the API itself still needs the token');
  assert.notEqual((await get('/')).status, 401, 'the page asks for the token itself');
});

test('a URL is the same within its window, and a changed, foreign, non-thumbnail or expired one is a 404', async () => {
  const url = new URL(await links.urlOf(thumbnailKey(artifactKeysFor(key), 'poster')), 'http://x');
  now = new Date(now.getTime() + LINK_WINDOW_MS / 4);
  assert.equal(`${url.pathname}${url.search}`, await links.urlOf(thumbnailKey(artifactKeysFor(key), 'poster')));
  const variants = [
    ['key', thumbnailKey(artifactKeysFor(key), 'frames')],
    ['signature', '0'.repeat(64)],
    ['expires', String(Number(url.searchParams.get('expires')) + 1)],
  ];
  for (const [name, value] of variants) {
    const changed = new URL(url);
    changed.searchParams.set(name!, value!);
    assert.equal((await get(`${changed.pathname}${changed.search}`)).status, 404, name);
  }
  const foreign = new LocalArtifactLinks(undefined, () => now);
  assert.equal((await get(await foreign.urlOf(thumbnailKey(artifactKeysFor(key), 'poster')))).status, 404);
  assert.equal((await get(await links.urlOf(artifactKeysFor(key).result))).status, 404, 'only thumbnails');
  assert.equal((await get(`/artifacts?key=${encodeURIComponent('../../etc/passwd')}`)).status, 404);

  assert.equal((await get(`${url.pathname}${url.search}`)).status, 200);
  now = new Date(now.getTime() + 2 * LINK_WINDOW_MS);
  assert.equal((await get(`${url.pathname}${url.search}`)).status, 404, 'expired');
});

test('search hits get their poster URL; without links nothing is added', async () => {
  const poster = thumbnailKey(artifactKeysFor(key), 'poster');
  const hits = [
    { id, key, similarity: 1, poster },
    { id: 'unknown', key: 'x.mp4', similarity: 0 },
  ];
  const posted = await withPosters(links, hits);
  assert.equal(posted[0]!.thumbnail, await links.urlOf(poster));
  assert.equal(posted[1]!.thumbnail, undefined);
  assert.deepEqual(await withPosters(undefined, hits), [{ id, key, similarity: 1 }, hits[1]], 'the key never leaves');
});
