import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { S3ObjectStore } from '../../layers/pipeline/adapters/aws/s3-object-store.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { BUILT_WEB_PAGE_DIR, contentSecurityPolicy } from '../../layers/pipeline/http/web-page.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { callApi } from './api-events.js';

const ORIGIN = 'https://app.example.com';
let aws: LocalAws;
let vectorIndex: LocalVectorIndex;

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  Object.assign(process.env, {
    CORS_ORIGINS: `${ORIGIN},https://admin.example.com`,
    MAX_VIDEO_BYTES: '100000',
    MODEL_DIR: '/nonexistent/model',
  });
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

test('POST /uploads (events/api-post-upload.json) presigns a PUT under the upload prefix that S3 accepts; CORS for the configured origin', async () => {
  const reply = await callApi('api-post-upload.json');
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  assert.equal(reply.headers['access-control-allow-origin'], ORIGIN);
  const upload = reply.json as {
    id: string;
    key: string;
    url: string;
    method: string;
    headers: Record<string, string>;
  };
  assert.equal(upload.key, 'videos/trips/café day 1+2.mp4');
  assert.equal(upload.id, videoIdFor(aws.bucket, upload.key));
  assert.match(new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')!, /content-length;content-type/);
  assert.equal(
    new URL(upload.url).searchParams.get('x-amz-checksum-crc32'),
    null,
    'no checksum of an empty body is signed in',
  );

  const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: Buffer.alloc(48213, 7) });
  assert.equal(put.status, 200, await put.text());
  assert.equal((await new S3ObjectStore(aws.clients.s3, aws.bucket).head(upload.key))!.bytes, 48213);
});

test('POST /uploads refuses unsafe keys, non-video suffixes, oversize files and bad bodies with 400 INVALID_REQUEST', async () => {
  const bodies: unknown[] = [
    { key: '../escape.mp4', bytes: 10 },
    { key: 'a//b.mp4', bytes: 10 },
    { key: 'line\nbreak.mp4', bytes: 10 },
    { key: 'notes.txt', bytes: 10 },
    { key: `${'k'.repeat(1020)}.mp4`, bytes: 10 },
    { key: 'big.mp4', bytes: 100001 },
    { key: 'zero.mp4', bytes: 0 },
    { key: 'a.mp4', bytes: 10, contentType: 'text/html' },
    { key: 'a.mp4', bytes: 10, extra: true },
    'not json',
  ];
  for (const body of bodies) {
    const reply = await callApi('api-post-upload.json', { body });
    assert.equal(reply.status, 400, JSON.stringify(body));
    assert.equal((reply.json as { error: { code: string } }).error.code, 'INVALID_REQUEST');
  }
});

test('a CORS preflight (events/api-preflight.json) is answered for a configured origin only', async () => {
  const allowed = await callApi('api-preflight.json');
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers['access-control-allow-origin'], ORIGIN);
  assert.match(String(allowed.headers['access-control-allow-methods']), /POST/);
  const other = await callApi('api-preflight.json', { headers: { origin: 'https://evil.example.com' } });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('the pipeline routes answer from DynamoDB without loading the model; /openapi.json documents /uploads', async () => {
  const list = await callApi('api-list-videos.json');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json, { items: [], nextCursor: null });
  const missing = await callApi('api-get-video.json');
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { error: { code: string } }).error.code, 'NOT_FOUND');
  const route = await callApi('api-get-video.json', { path: '/nowhere' });
  assert.equal(route.status, 404);

  const document = await callApi('api-list-videos.json', { path: '/openapi.json', query: '' });
  assert.ok((document.json as { paths: Record<string, unknown> }).paths['/uploads']);
  const validation = await new Validator().validate(document.json as Parameters<Validator['validate']>[0]);
  assert.ok(validation.valid, JSON.stringify(validation.errors));
});

test('search needs the model: a model that cannot load is a 500 without details, and is tried again on the next request', async () => {
  for (let i = 0; i < 2; i++) {
    const reply = await callApi('api-search.json');
    assert.equal(reply.status, 500);
    assert.deepEqual(reply.json, {
      error: { code: 'INTERNAL', message: 'internal error; the server log has the details' },
    });
  }
});

test("GET / and the page's assets are the web page's build, under the local server's Content-Security-Policy but for the bucket: the page loads links from it and PUTs uploads to it", async () => {
  const page = await callApi('api-get-video.json', { path: '/' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  // Posters and videos are presigned links to the bucket, uploads presigned PUTs: s3rver's endpoint, as the SDK
  // addresses the bucket there (by path); on AWS the bucket's own host.
  const bucket = new URL(aws.env.AWS_ENDPOINT_URL_S3!).origin;
  assert.equal(page.headers['content-security-policy'], contentSecurityPolicy({ media: [bucket], connect: [bucket] }));
  assert.equal(page.body, readFileSync(join(BUILT_WEB_PAGE_DIR, 'index.html'), 'utf8'));

  const types = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
  const assets = readdirSync(join(BUILT_WEB_PAGE_DIR, 'assets'));
  assert.deepEqual(new Set(assets.map((name) => name.slice(name.lastIndexOf('.')))), new Set(Object.keys(types)));
  for (const name of assets) {
    assert.ok(page.body.includes(`"assets/${name}"`), `the page loads ${name} from this origin`);
    const asset = await callApi('api-get-video.json', { path: `/assets/${name}` });
    assert.equal(asset.status, 200, name);
    assert.equal(asset.headers['content-type'], types[name.slice(name.lastIndexOf('.')) as keyof typeof types]);
    assert.equal(asset.headers['content-security-policy'], contentSecurityPolicy());
    assert.equal(asset.body, readFileSync(join(BUILT_WEB_PAGE_DIR, 'assets', name), 'utf8'), name);
  }

  const missing = await callApi('api-get-video.json', { path: '/assets/missing-0.js' });
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { error: { code: string } }).error.code, 'NOT_FOUND');
});
