import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Hono } from 'hono';
import { readImagePixels } from '../../layers/media/index.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import type { QueuedObject } from '../../layers/pipeline/core/ports/queue.js';
import type { VideoModel } from '../../layers/pipeline/core/ports/video-model.js';
import { encodeFloat16, encodeFloat32 } from '../../layers/pipeline/core/tensor-codec.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { videoVectorsOf } from '../../layers/pipeline/core/video-vectors.js';
import { createApi } from '../../layers/pipeline/http/api-app.js';
import {
  errorResponseSchema,
  healthResponseSchema,
  labelsResponseSchema,
  relabelResponseSchema,
  searchResponseSchema,
  videoListSchema,
  videoRecordSchema,
} from '../../layers/pipeline/http/schemas.js';
import { resultFor, sourceObject } from './records.js';

const P = 4;
const QUERY_DIRECTION = Float32Array.from([1, 0, 0, 0]);

/** Scores by dot product with the query direction; labels in set order. Enough to test the HTTP contract. */
const fakeModel: VideoModel = {
  model: {
    id: 'fake',
    precision: 'fp32',
    sha256: '0'.repeat(64),
    executionProvider: 'cpu',
    projectionDim: P,
    patches: 2,
  },
  classifyFile: async () => {
    throw new Error('the API never decodes');
  },
  scoreStored: async (_embedding, _tokens, options = {}) =>
    options
      .labels!.names.slice(0, options.top)
      .map((label, index) => ({ label, index, score: 1 / (index + 2), logit: -index })),
  textFeatures: async (texts) => new Float32Array(texts.length * P).map((_, i) => QUERY_DIRECTION[i % P]!),
  scoreTexts: async (embeddings) =>
    Float32Array.from({ length: embeddings.length / P }, (_, i) => embeddings[i * P]! * 10),
  // The real image reader (so a non-image is refused as in production); every image points one way.
  embedImage: async (bytes) => {
    await readImagePixels(bytes, { size: 8 });
    return Float32Array.from([0, 1, 0, 0]);
  },
};

const DONE_KEYS = ['clip one+ü.mp4', 'second.mp4', 'third.mp4'];
const id = (key: string) => videoIdFor('bucket', key);
let app: Hono;
let results: SqliteResultStore;
let artifacts: FsObjectStore;
const logged: string[] = [];
/** What POST /videos/{id}/retry sent to the queue. */
const resent: QueuedObject[] = [];

before(async () => {
  results = new SqliteResultStore(':memory:');
  const work = mkdtempSync(join(tmpdir(), 'xclip-api-'));
  artifacts = new FsObjectStore(join(work, 'objects'));
  const vectors = await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: P });
  for (const [i, key] of DONE_KEYS.entries()) {
    const source = sourceObject(key);
    const result = resultFor(
      source,
      [
        ['surfing water', 0.3 + i / 10],
        ['cooking', 0.1],
      ],
      { P, N: 2 },
    );
    const embedding = Float32Array.from([Math.cos(i), Math.sin(i), 0, 0]);
    await artifacts.put(result.embedding.key, encodeFloat32(embedding), 'application/octet-stream');
    await artifacts.put(result.visualTokens.key, encodeFloat16(new Float32Array(2 * P)), 'application/octet-stream');
    await results.enqueue(id(key), source, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString());
    await results.claim(
      id(key),
      'v1',
      new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      '2100-01-01T00:00:00.000Z',
    );
    await results.complete(id(key), 'v1', result, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString());
    const indexed = videoVectorsOf(result, embedding);
    await vectors.upsert(id(key), indexed.version, indexed.entries);
  }
  await results.enqueue(id('failed.mp4'), sourceObject('failed.mp4'), '2026-01-02T00:00:00.000Z');
  await results.claim(id('failed.mp4'), 'v1', '2026-01-02T00:00:00.000Z', '2100-01-01T00:00:00.000Z');
  await results.fail(
    id('failed.mp4'),
    'v1',
    { code: 'NOT_A_VIDEO', message: 'failed.mp4 is not a video' },
    '2026-01-02T00:00:00.000Z',
  );
  await results.enqueue(id('queued.mp4'), sourceObject('queued.mp4'), '2026-01-03T00:00:00.000Z');
  app = createApi({
    results,
    artifacts,
    vectors,
    model: async () => fakeModel,
    ingest: { sendAll: async (objects) => void resent.push(...objects) },
    log: (line) => logged.push(line),
  });
});

async function call(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }> {
  const response = await app.request(
    path,
    init && {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    },
  );
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return { status: response.status, body: await response.json() };
}

async function expectError(
  path: string,
  status: number,
  code: string,
  init?: { method?: string; body?: unknown },
): Promise<string> {
  const response = await call(path, init);
  assert.equal(response.status, status, `${path}: ${JSON.stringify(response.body)}`);
  const { error } = errorResponseSchema.parse(response.body);
  assert.equal(error.code, code, path);
  return error.message;
}

test('GET /openapi.json is a valid OpenAPI 3 document that lists every route', async () => {
  const { status, body } = await call('/openapi.json');
  assert.equal(status, 200);
  const validator = new Validator();
  const validation = await validator.validate(body);
  assert.ok(validation.valid, JSON.stringify(validation.errors));
  assert.match(validator.version, /^3\./);
  const documented = Object.entries(body.paths as Record<string, object>).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  const routes = app.routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
  assert.deepEqual([...documented].sort(), [...new Set(routes)].sort());
});

test('GET /videos pages with opaque cursors and filters by status, label and since', async () => {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const { status, body } = await call(`/videos?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(status, 200);
    const page = videoListSchema.parse(body);
    keys.push(...page.items.map((item) => item.key));
    cursor = page.nextCursor;
  } while (cursor);
  assert.deepEqual(keys, ['queued.mp4', 'failed.mp4', 'third.mp4', 'second.mp4', 'clip one+ü.mp4']);

  const failed = videoListSchema.parse((await call('/videos?status=FAILED')).body);
  assert.deepEqual(
    failed.items.map((item) => [item.key, item.error?.code]),
    [['failed.mp4', 'NOT_A_VIDEO']],
  );
  const byLabel = videoListSchema.parse((await call(`/videos?label=${encodeURIComponent('surfing water')}`)).body);
  assert.deepEqual(
    byLabel.items.map((item) => item.key),
    ['third.mp4', 'second.mp4', 'clip one+ü.mp4'],
  );
  const since = videoListSchema.parse(
    (await call(`/videos?since=${encodeURIComponent('2026-01-02T00:00:00+00:00')}`)).body,
  );
  assert.deepEqual(
    since.items.map((item) => item.key),
    ['queued.mp4', 'failed.mp4'],
  );
});

test('GET /videos rejects bad queries with 400 and a code', async () => {
  for (const query of [
    'limit=0',
    'limit=101',
    'limit=abc',
    'limit=1e1',
    'status=done',
    'since=yesterday',
    'label=',
    'colour=red',
  ]) {
    await expectError(`/videos?${query}`, 400, 'INVALID_REQUEST');
  }
  await expectError('/videos?cursor=garbage', 400, 'INVALID_CURSOR');
  const { body } = await call('/videos?limit=1');
  await expectError(`/videos?limit=1&status=DONE&cursor=${body.nextCursor}`, 400, 'INVALID_CURSOR');
});

test('GET /videos/{id} works for any key; unknown ids with spaces, unicode and + are a clean 404', async () => {
  const { status, body } = await call(`/videos/${encodeURIComponent(id('clip one+ü.mp4'))}`);
  assert.equal(status, 200);
  const record = videoRecordSchema.parse(body);
  assert.equal(record.source.key, 'clip one+ü.mp4');
  assert.equal(record.result!.labels[0]!.label, 'surfing water');
  const message = await expectError(`/videos/${encodeURIComponent('no such+vidéo 1')}`, 404, 'NOT_FOUND');
  assert.match(message, /no such\+vidéo 1/);
  await expectError(`/videos/${'x'.repeat(201)}`, 400, 'INVALID_REQUEST');
  await expectError(`/videos/${id('second.mp4')}?verbose=1`, 400, 'INVALID_REQUEST');
  await expectError('/no/such/route', 404, 'NOT_FOUND');
});

test('GET /videos/{id}/similar: nearest first; 409 before the video is DONE', async () => {
  const { status, body } = await call(`/videos/${id('clip one+ü.mp4')}/similar?k=2`);
  assert.equal(status, 200);
  assert.deepEqual(
    searchResponseSchema.parse(body).items.map((hit) => hit.key),
    ['second.mp4', 'third.mp4'],
  );
  await expectError(`/videos/${id('queued.mp4')}/similar`, 409, 'NOT_READY');
  await expectError(`/videos/${id('nope')}/similar`, 404, 'NOT_FOUND');
  await expectError(`/videos/${id('second.mp4')}/similar?k=0`, 400, 'INVALID_REQUEST');
});

test('POST /search by text or by label; bad bodies are 400', async () => {
  const byText = searchResponseSchema.parse((await call('/search', { body: { text: 'surfing', k: 2 } })).body);
  assert.deepEqual(
    byText.items.map((hit) => hit.key),
    ['clip one+ü.mp4', 'second.mp4'],
  );
  assert.ok(byText.items[0]!.score! > byText.items[1]!.score!);
  const byLabel = await call('/search', { body: { label: 'surfing water', labelSet: 'k400' } });
  assert.equal(byLabel.status, 200);
  assert.equal(searchResponseSchema.parse(byLabel.body).items.length, 3);

  await expectError('/search', 400, 'INVALID_REQUEST', { body: '{not json' });
  for (const body of [
    {},
    { text: 'a', label: 'b' },
    { text: '   ' },
    { text: 'a', k: 0 },
    { text: 'a', k: 1.5 },
    { text: 'a', extra: 1 },
    { text: 'a', labelSet: 'k400' },
    [],
    'text',
  ]) {
    await expectError('/search', 400, 'INVALID_REQUEST', { body });
  }
  await expectError('/search', 400, 'INVALID_REQUEST', { body: { label: 'not a kinetics class' } });
  await expectError('/search', 400, 'INVALID_LABELS', { body: { label: 'a', labelSet: 'k4000' } });
});

test('POST /search through the index: filters pushed into it, by example, by image', async () => {
  const keysOf = async (body: unknown) => {
    const response = await call('/search', { body });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return searchResponseSchema.parse(response.body).items.map((hit) => hit.key);
  };
  assert.deepEqual(await keysOf({ text: 'surfing', filter: { labels: ['cooking'] } }), [
    'clip one+ü.mp4',
    'second.mp4',
    'third.mp4',
  ]);
  assert.deepEqual(await keysOf({ text: 'surfing', filter: { labels: ['juggling'] } }), []);
  assert.deepEqual(await keysOf({ text: 'surfing', filter: { keyPrefix: 'elsewhere/' } }), []);
  // resultFor completes every video at the epoch.
  assert.deepEqual(await keysOf({ text: 'surfing', filter: { completedFrom: '1970-01-02T00:00:00Z' } }), []);
  assert.equal((await keysOf({ text: 'surfing', filter: { completedTo: '1970-01-02T00:00:00+01:00' } })).length, 3);
  // A video as the example: itself left out, nearest first (embeddings at 0, 1 and 2 radians).
  assert.deepEqual(await keysOf({ example: { videoId: id('clip one+ü.mp4') }, k: 5 }), ['second.mp4', 'third.mp4']);
  // Every image embeds along the second axis: the video at 2 radians is nearest (sin 2 > sin 1).
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAABAAAAAQBPJcTWAAAAEklEQVR4nGP4y8CAFWEXHbQSAPZwP0G2GkFNAAAAAElFTkSuQmCC',
    'base64',
  );
  assert.deepEqual(await keysOf({ image: { data: png.toString('base64'), contentType: 'image/png' }, k: 2 }), [
    'third.mp4',
    'second.mp4',
  ]);
});

test('POST /search: bad input is a 4xx JSON error and writes nothing', async () => {
  const state = async () => {
    const stored = [];
    for await (const object of artifacts.list()) stored.push(object);
    return JSON.stringify([(await results.list({ limit: 100 })).items, stored]);
  };
  const before = await state();
  const invalid = [
    { text: 'a', k: 101 },
    { text: 'a', filter: { colour: 'red' } },
    { text: 'a', filter: { labels: [] } },
    { text: 'a', filter: { keyPrefix: 'no-slash' } },
    { text: 'a', filter: { completedFrom: 'yesterday' } },
    { text: 'a', moments: 11 },
    { image: { data: 'not base64!' } },
    { image: { data: 'aGVsbG8=', contentType: 'text/plain' } },
    { example: { videoId: id('second.mp4'), fromSeconds: 3, toSeconds: 1 } },
    { example: { videoId: id('second.mp4') }, text: 'a' },
  ];
  for (const body of invalid) await expectError('/search', 400, 'INVALID_REQUEST', { body });
  const message = await expectError('/search', 400, 'NOT_AN_IMAGE', {
    body: { image: { data: Buffer.from('plain text, not a picture').toString('base64') } },
  });
  assert.doesNotMatch(message, /\//, 'no server path');
  await expectError('/search', 400, 'INVALID_REQUEST', {
    body: { example: { videoId: id('second.mp4'), fromSeconds: 0, toSeconds: 1 } },
  });
  await expectError('/search', 409, 'NOT_READY', { body: { example: { videoId: id('queued.mp4') } } });
  await expectError('/search', 409, 'NOT_READY', { body: { example: { videoId: id('failed.mp4') } } });
  await expectError('/search', 404, 'NOT_FOUND', { body: { example: { videoId: id('nope.mp4') } } });
  assert.equal(await state(), before);
});

test('POST /relabel: one result or error per id; label sets never come from server files', async () => {
  const { status, body } = await call('/relabel', {
    body: { ids: [id('second.mp4'), id('queued.mp4'), 'missing id+ü'], labels: ['dancing', 'singing'], top: 1 },
  });
  assert.equal(status, 200);
  const [relabelled, queued, missing] = relabelResponseSchema.parse(body).items;
  assert.ok(relabelled && 'result' in relabelled);
  assert.deepEqual(
    relabelled.result.labels.map((l) => l.label),
    ['dancing'],
  );
  assert.ok(queued && 'error' in queued && queued.error.code === 'NOT_READY');
  assert.ok(missing && 'error' in missing && missing.error.code === 'NOT_FOUND');
  const stored = videoRecordSchema.parse((await call(`/videos/${id('second.mp4')}`)).body);
  assert.equal(stored.result!.labels[0]!.label, 'dancing');

  await expectError('/relabel', 400, 'INVALID_LABELS', { body: { ids: [id('third.mp4')], labels: '/etc/passwd' } });
  await expectError('/relabel', 400, 'INVALID_LABELS', { body: { ids: [id('third.mp4')], labels: ['a', 'a'] } });
  for (const body of [
    { ids: [] },
    { ids: 'x' },
    { ids: [''] },
    { ids: Array(101).fill('x') },
    { ids: ['x'], top: 0 },
  ]) {
    await expectError('/relabel', 400, 'INVALID_REQUEST', { body });
  }
  await expectError('/relabel', 413, 'PAYLOAD_TOO_LARGE', { body: { ids: ['x'.repeat(2 * 1024 * 1024)] } });
});

test('GET /labels and GET /health', async () => {
  const labels = labelsResponseSchema.parse((await call('/labels')).body);
  assert.equal(labels.defaultSet, 'k400');
  assert.deepEqual(
    labels.sets.map((set) => [set.id, set.count]),
    [
      ['k400', 400],
      ['k600', 600],
      ['ucf101', 101],
      ['hmdb51', 51],
    ],
  );
  assert.equal(healthResponseSchema.parse((await call('/health')).body).status, 'ok');
});

test('an unexpected error is a 500 whose body hides the details, which go to the log', async () => {
  class BrokenStore extends SqliteResultStore {
    override async get(): Promise<never> {
      throw new Error('disk on fire');
    }
  }
  const broken = createApi({
    results: new BrokenStore(':memory:'),
    artifacts: new FsObjectStore(mkdtempSync(join(tmpdir(), 'xclip-api-'))),
    vectors: await LanceVectorIndex.open({ directory: mkdtempSync(join(tmpdir(), 'xclip-api-')), dimension: P }),
    model: async () => fakeModel,
    log: (line) => logged.push(line),
  });
  const response = await broken.request('/videos/abc');
  assert.equal(response.status, 500);
  const body = errorResponseSchema.parse(await response.json());
  assert.equal(body.error.code, 'INTERNAL');
  assert.doesNotMatch(body.error.message, /fire/);
  assert.ok(logged.some((line) => line.includes('disk on fire')));
});

test('POST /videos/{id}/retry queues a FAILED video again; other states and unknown ids are refused', async () => {
  const { status, body } = await call(`/videos/${id('failed.mp4')}/retry`, { body: '' });
  assert.equal(status, 202);
  assert.equal(videoRecordSchema.parse(body).status, 'QUEUED');
  assert.deepEqual(
    resent.map((object) => object.source.key),
    ['failed.mp4'],
  );
  assert.match(await expectError(`/videos/${id('failed.mp4')}/retry`, 409, 'NOT_READY', { body: '' }), /QUEUED/);
  assert.match(await expectError(`/videos/${id('second.mp4')}/retry`, 409, 'NOT_READY', { body: '' }), /DONE/);
  await expectError(`/videos/${id('nothing.mp4')}/retry`, 404, 'NOT_FOUND', { body: '' });
  assert.equal(resent.length, 1);
});
