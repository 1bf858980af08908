import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from '../../scripts/lib/local-vector-index.js';
import { SMALL_TEXT_CONFIG } from '../../scripts/lib/small-model.js';
import { type ApiReply, callApi } from './api-events.js';

const MiB = 1024 * 1024;
/** S3's smallest part, so that a file of a few parts stays small. */
const PART_BYTES = 5 * MiB;
const MAX_VIDEO_BYTES = 64 * MiB;
const PREFIX = 'videos/';
let aws: LocalAws;
let vectorIndex: LocalVectorIndex;

before(async () => {
  aws = await startLocalAws();
  vectorIndex = await startLocalVectorIndex(SMALL_TEXT_CONFIG.projection_dim);
  Object.assign(process.env, {
    UPLOAD_PART_BYTES: String(PART_BYTES),
    MAX_VIDEO_BYTES: String(MAX_VIDEO_BYTES),
    MODEL_DIR: '/nonexistent/model',
  });
});
after(async () => {
  await vectorIndex.close();
  await aws.close();
});

interface Created {
  id: string;
  key: string;
  uploadId: string;
  partBytes: number;
  partCount: number;
}
interface PartUrl {
  partNumber: number;
  url: string;
  bytes: number;
}

const post = (path: string, body: unknown) => callApi('api-post-upload.json', { path, body });
const get = (path: string, query: Record<string, string>) =>
  callApi('api-list-videos.json', { path, query: new URLSearchParams(query).toString() });

function ok<T>(reply: ApiReply, status = 200): T {
  assert.equal(reply.status, status, JSON.stringify(reply.json));
  return reply.json as T;
}

function errorCode(reply: ApiReply): string {
  assert.equal(String(reply.headers['content-type']).split(';')[0], 'application/json');
  return (reply.json as { error: { code: string } }).error.code;
}

async function create(key: string, bytes: number): Promise<Created> {
  return ok<Created>(await post('/uploads/multipart', { key, bytes, contentType: 'video/mp4' }), 201);
}

async function partUrls(upload: Created, bytes: number, partNumbers: number[]): Promise<PartUrl[]> {
  const reply = await post('/uploads/multipart/urls', {
    key: upload.key,
    uploadId: upload.uploadId,
    bytes,
    partNumbers,
  });
  return ok<{ parts: PartUrl[] }>(reply).parts;
}

/** PUTs each part's bytes of `file` to its presigned URL, as the page does; the ETags S3 answered with. */
async function putParts(file: Buffer, parts: PartUrl[]): Promise<Map<number, string>> {
  const etags = new Map<number, string>();
  for (const part of parts) {
    const start = (part.partNumber - 1) * PART_BYTES;
    const body = file.subarray(start, start + part.bytes);
    assert.equal(body.length, part.bytes);
    const put = await fetch(part.url, { method: 'PUT', body });
    assert.equal(put.status, 200, await put.text());
    etags.set(part.partNumber, put.headers.get('etag')!);
  }
  return etags;
}

async function uploadedParts(upload: { key: string; uploadId: string }): Promise<ApiReply> {
  return get('/uploads/multipart/parts', { key: upload.key, uploadId: upload.uploadId });
}

async function objectBytes(key: string): Promise<Buffer> {
  const object = await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function keysInBucket(): Promise<string[]> {
  const listed = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket }));
  return (listed.Contents ?? []).map((object) => object.Key!);
}

test('GET /uploads/limits: the part size and the largest upload', async () => {
  assert.deepEqual(ok(await get('/uploads/limits', {})), {
    maxBytes: MAX_VIDEO_BYTES,
    partBytes: PART_BYTES,
    maxParts: 10_000,
    maxPartUrls: 100,
    urlLifetimeSeconds: 900,
  });
});

test('a multipart upload: create, sign, PUT parts, list them (to resume), sign the rest, complete; the object is the file', async () => {
  const file = randomBytes(11 * MiB + 12345);
  const upload = await create('trips/café day 1+2 (final).mp4', file.length);
  assert.equal(upload.key, `${PREFIX}trips/café day 1+2 (final).mp4`);
  assert.equal(upload.id, videoIdFor(aws.bucket, upload.key));
  assert.equal(upload.partBytes, PART_BYTES);
  assert.equal(upload.partCount, 3);

  const first = await partUrls(upload, file.length, [1, 3]);
  assert.deepEqual(
    first.map((part) => [part.partNumber, part.bytes]),
    [
      [1, PART_BYTES],
      [3, file.length - 2 * PART_BYTES],
    ],
  );
  const signed = new URL(first[0]!.url).searchParams;
  assert.equal(signed.get('X-Amz-SignedHeaders'), 'content-length;host', 'each URL is signed for its part size');
  assert.ok(Number(signed.get('X-Amz-Expires')) <= 900);
  assert.deepEqual(
    [...signed.keys()].filter((name) => /checksum/i.test(name)),
    [],
    'no checksum of an empty body is signed in',
  );
  const etags = await putParts(file, first);

  // What a page that reloaded mid-upload asks: the parts S3 holds, with their sizes and ETags.
  const listed = ok<{ parts: Array<{ partNumber: number; etag: string; bytes: number }> }>(await uploadedParts(upload));
  assert.deepEqual(listed.parts, [
    { partNumber: 1, etag: etags.get(1), bytes: PART_BYTES },
    { partNumber: 3, etag: etags.get(3), bytes: file.length - 2 * PART_BYTES },
  ]);

  for (const [partNumber, etag] of await putParts(file, await partUrls(upload, file.length, [2])))
    etags.set(partNumber, etag);
  // In any order: the server sorts them as S3 wants.
  const parts = [...etags].reverse().map(([partNumber, etag]) => ({ partNumber, etag }));
  const done = ok<{ id: string; key: string }>(
    await post('/uploads/multipart/complete', { key: upload.key, uploadId: upload.uploadId, parts }),
  );
  assert.deepEqual(done, { id: upload.id, key: upload.key });
  assert.ok((await objectBytes(upload.key)).equals(file));

  const gone = await uploadedParts(upload);
  assert.equal(gone.status, 404);
  assert.equal(errorCode(gone), 'NOT_FOUND');
});

test('abort drops the parts and leaves no object; a second abort, a listing or a completion of it is a 404', async () => {
  const file = randomBytes(6 * MiB);
  const before = await keysInBucket();
  const upload = await create('abandoned.mp4', file.length);
  const etags = await putParts(file, await partUrls(upload, file.length, [1]));
  const ref = { key: upload.key, uploadId: upload.uploadId };
  assert.deepEqual(ok(await post('/uploads/multipart/abort', ref)), { key: upload.key, aborted: true });

  assert.deepEqual(await keysInBucket(), before);
  for (const reply of [
    await post('/uploads/multipart/abort', ref),
    await uploadedParts(ref),
    await post('/uploads/multipart/complete', { ...ref, parts: [{ partNumber: 1, etag: etags.get(1) }] }),
  ]) {
    assert.equal(reply.status, 404);
    assert.equal(errorCode(reply), 'NOT_FOUND');
  }
});

test('a key of exactly 1,024 bytes with the prefix (multi-byte characters, spaces, +) is taken; one byte more is refused', async () => {
  // "videos/" (7 bytes), 253 × "ü +" (4 bytes each), x's, ".mp4" (4 bytes).
  const name = (bytes: number) => `${'ü +'.repeat(253)}${'x'.repeat(bytes - 1023)}.mp4`;
  assert.equal(Buffer.byteLength(PREFIX + name(1024)), 1024);
  const upload = await create(name(1024), 6 * MiB);
  assert.equal(Buffer.byteLength(upload.key), 1024);
  assert.equal((await partUrls(upload, 6 * MiB, [1, 2])).length, 2);
  ok(await post('/uploads/multipart/abort', { key: upload.key, uploadId: upload.uploadId }));

  const tooLong = await post('/uploads/multipart', { key: name(1025), bytes: 6 * MiB });
  assert.equal(tooLong.status, 400);
  assert.equal(errorCode(tooLong), 'INVALID_REQUEST');
});

test('bad input is a 400 INVALID_REQUEST naming the problem; a wrong ETag cannot complete an upload', async () => {
  const upload = await create('checked.mp4', 11 * MiB);
  const ref = { key: upload.key, uploadId: upload.uploadId };
  const cases: Array<[string, ApiReply]> = [
    ['escaping key', await post('/uploads/multipart', { key: '../escape.mp4', bytes: 6 * MiB })],
    ['not a video', await post('/uploads/multipart', { key: 'notes.txt', bytes: 6 * MiB })],
    ['empty', await post('/uploads/multipart', { key: 'zero.mp4', bytes: 0 })],
    ['over the limit', await post('/uploads/multipart', { key: 'big.mp4', bytes: MAX_VIDEO_BYTES + 1 })],
    ['extra field', await post('/uploads/multipart', { key: 'a.mp4', bytes: 6 * MiB, parts: 3 })],
    ['not JSON', await post('/uploads/multipart', 'not json')],
    ['no part numbers', await post('/uploads/multipart/urls', { ...ref, bytes: 11 * MiB, partNumbers: [] })],
    ['part 0', await post('/uploads/multipart/urls', { ...ref, bytes: 11 * MiB, partNumbers: [0] })],
    ['part past the file', await post('/uploads/multipart/urls', { ...ref, bytes: 11 * MiB, partNumbers: [4] })],
    [
      'too many URLs at once',
      await post('/uploads/multipart/urls', {
        ...ref,
        bytes: MAX_VIDEO_BYTES,
        partNumbers: Array.from({ length: 101 }, (_, n) => n + 1),
      }),
    ],
    [
      'key outside the upload prefix',
      await post('/uploads/multipart/urls', { ...ref, key: 'results/x.mp4', bytes: 11 * MiB, partNumbers: [1] }),
    ],
    [
      'uploadId with a slash-dot path',
      await post('/uploads/multipart/urls', { ...ref, uploadId: '../x y', bytes: 11 * MiB, partNumbers: [1] }),
    ],
    ['listing without an uploadId', await get('/uploads/multipart/parts', { key: upload.key })],
    ['listing with an extra parameter', await get('/uploads/multipart/parts', { ...ref, marker: '3' })],
    ['completing with no parts', await post('/uploads/multipart/complete', { ...ref, parts: [] })],
    [
      'completing with a part twice',
      await post('/uploads/multipart/complete', {
        ...ref,
        parts: [
          { partNumber: 1, etag: '"a"' },
          { partNumber: 1, etag: '"a"' },
        ],
      }),
    ],
    [
      'completing with a part never sent',
      await post('/uploads/multipart/complete', { ...ref, parts: [{ partNumber: 1, etag: '"0123456789abcdef"' }] }),
    ],
  ];
  for (const [name, reply] of cases) {
    assert.equal(reply.status, 400, `${name}: ${JSON.stringify(reply.json)}`);
    assert.equal(errorCode(reply), 'INVALID_REQUEST', name);
  }
  const unknown = await post('/uploads/multipart/abort', { key: upload.key, uploadId: 'feedface' });
  assert.equal(unknown.status, 404);
  ok(await post('/uploads/multipart/abort', ref));
});

test('/openapi.json documents the upload routes, each with its operation id', async () => {
  const document = (await get('/openapi.json', {})).json as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const ids = Object.fromEntries(
    Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/uploads'))
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => [op.operationId, `${method} ${path}`]),
      ),
  );
  assert.deepEqual(ids, {
    createUpload: 'post /uploads',
    uploadLimits: 'get /uploads/limits',
    createMultipartUpload: 'post /uploads/multipart',
    multipartUploadUrls: 'post /uploads/multipart/urls',
    listMultipartUploadParts: 'get /uploads/multipart/parts',
    completeMultipartUpload: 'post /uploads/multipart/complete',
    abortMultipartUpload: 'post /uploads/multipart/abort',
  });
});
