import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Hono } from 'hono';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { createApi } from '../../layers/pipeline/http/api-app.js';
import { guardedApp } from '../../layers/pipeline/http/local-guard.js';
import { localUploadResponseSchema } from '../../layers/pipeline/http/local-uploads.js';
import { errorResponseSchema } from '../../layers/pipeline/http/schemas.js';
import { LOCAL_UPLOAD_BODY_TYPES, localServerApp } from '../../layers/pipeline/runtimes/local/local-server-app.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-uploads-'));
const stores: SqliteResultStore[] = [];
let vectors: LanceVectorIndex;
before(async () => {
  vectors = await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 });
});

after(() => {
  for (const store of stores) store.close();
});

function server(options: { watch?: boolean; maxUploadBytes?: number } = {}): { app: Hono; folder: string } {
  const dir = mkdtempSync(join(work, 'case-'));
  const folder = join(dir, 'my bucket');
  mkdirSync(folder);
  const results = new SqliteResultStore(join(dir, 'results.db'));
  stores.push(results);
  const api = createApi({
    results,
    artifacts: new FsObjectStore(join(dir, 'objects')),
    vectors,
    model: () => Promise.reject(new Error('no model in this test')),
  });
  return {
    app: localServerApp(api, {
      watchDir: options.watch === false ? undefined : folder,
      maxUploadBytes: options.maxUploadBytes,
    }),
    folder,
  };
}

function upload(app: Hono, query: string, body: Buffer | ReadableStream, contentType = 'video/mp4', headers = {}) {
  return app.request(`/uploads/local${query}`, {
    method: 'POST',
    headers: { host: '127.0.0.1:3000', 'content-type': contentType, ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

async function errorCode(response: Response): Promise<string> {
  return errorResponseSchema.parse(await response.json()).error.code;
}

/** Every entry of the folder, hidden ones too: no temporary file may be left behind. */
function entries(folder: string): string[] {
  return readdirSync(folder).sort();
}

test('an upload lands in the watched folder under its own name, never replacing a file', async () => {
  const { app, folder } = server();
  const bytes = Buffer.from('pretend this is an mp4');
  const first = await upload(app, `?name=${encodeURIComponent('clip one+ü.mp4')}`, bytes);
  assert.equal(first.status, 201);
  assert.deepEqual(localUploadResponseSchema.parse(await first.json()), {
    id: videoIdFor('my bucket', 'clip one+ü.mp4'),
    key: 'clip one+ü.mp4',
    bytes: bytes.length,
  });
  const second = await upload(
    app,
    `?name=${encodeURIComponent('clip one+ü.mp4')}`,
    Buffer.from('other'),
    'application/octet-stream',
  );
  assert.equal(second.status, 201);
  assert.equal(localUploadResponseSchema.parse(await second.json()).key, 'clip one+ü (2).mp4');
  assert.deepEqual(entries(folder), ['clip one+ü (2).mp4', 'clip one+ü.mp4']);
  assert.deepEqual(readFileSync(join(folder, 'clip one+ü.mp4')), bytes);
  assert.equal(readFileSync(join(folder, 'clip one+ü (2).mp4'), 'utf8'), 'other');
});

test('names that could leave the folder, hide, or are not videos are refused before anything is written', async () => {
  const { app, folder } = server();
  for (const query of [
    '?name=..%2Fescape.mp4',
    '?name=sub%2Fdir.mp4',
    '?name=back%5Cslash.mp4',
    '?name=.hidden.mp4',
    '?name=..',
    '?name=nul%00.mp4',
    '?name=line%0Abreak.mp4',
    '?name=notes.txt',
    `?name=${'a'.repeat(200)}.mp4`,
    '?name=',
    '',
    '?name=a.mp4&extra=1',
  ]) {
    const response = await upload(app, query, Buffer.from('x'));
    assert.equal(response.status, 400, query);
    assert.equal(await errorCode(response), 'INVALID_REQUEST', query);
  }
  assert.deepEqual(entries(folder), []);
});

test("behind the local guard, as serve listens, only this server's own pages write into the folder", async () => {
  const { app: inner, folder } = server();
  const app = guardedApp(inner, { port: 3000, bodyTypes: LOCAL_UPLOAD_BODY_TYPES });
  for (const headers of [
    { host: 'attacker.example:3000' },
    { host: 'localhost.attacker.example:3000' },
    { host: '127.0.0.1:3000', origin: 'http://attacker.example' },
    { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:4000' },
  ]) {
    const response = await upload(app, '?name=a.mp4', Buffer.from('x'), 'video/mp4', headers);
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.match(await errorCode(response), /^(HOST|ORIGIN)_NOT_ALLOWED$/, JSON.stringify(headers));
  }
  assert.deepEqual(entries(folder), []);
  for (const headers of [{ host: 'localhost:3000', origin: 'http://localhost:3000' }, { host: '[::1]:3000' }]) {
    const response = await upload(app, '?name=a.mp4', Buffer.from('x'), 'video/mp4', headers);
    assert.equal(response.status, 201, JSON.stringify(headers));
  }
});

test('only video/* or octet-stream bodies are taken (a cross-site form cannot post one without a preflight)', async () => {
  const { app, folder } = server();
  for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '']) {
    const response = await upload(app, '?name=a.mp4', Buffer.from('x'), type);
    assert.equal(response.status, 415, type);
    assert.equal(await errorCode(response), 'UNSUPPORTED_MEDIA_TYPE', type);
  }
  const empty = await upload(app, '?name=a.mp4', Buffer.alloc(0));
  assert.equal(empty.status, 400);
  assert.deepEqual(entries(folder), []);
});

test('an upload over the size bound is refused, whether it says its length or not, and leaves nothing behind', async () => {
  const { app, folder } = server({ maxUploadBytes: 1000 });
  const declared = await upload(app, '?name=big.mp4', Buffer.alloc(1001));
  assert.equal(declared.status, 413);
  assert.equal(await errorCode(declared), 'PAYLOAD_TOO_LARGE');

  const chunks = [Buffer.alloc(600), Buffer.alloc(600)];
  const streamed = await upload(
    app,
    '?name=big.mp4',
    new ReadableStream({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    }),
  );
  assert.equal(streamed.status, 413);
  assert.equal(await errorCode(streamed), 'PAYLOAD_TOO_LARGE');
  assert.deepEqual(entries(folder), []);

  const fits = await upload(app, '?name=small.mp4', Buffer.alloc(1000));
  assert.equal(fits.status, 201);
  assert.deepEqual(entries(folder), ['small.mp4']);
});

test('the OpenAPI document has the upload route only when there is a watched folder', async () => {
  const watching = (await (await server().app.request('/openapi.json')).json()) as any;
  const validator = new Validator();
  const validation = await validator.validate(watching);
  assert.ok(validation.valid, JSON.stringify(validation.errors));
  assert.equal(watching.paths['/uploads/local'].post.operationId, 'uploadLocal');
  assert.ok(watching.paths['/videos'], 'the API routes stay');
  // What the local guard answers before any route is documented on every operation.
  assert.deepEqual(watching.components.securitySchemes.localToken, {
    type: 'http',
    scheme: 'bearer',
    description: 'The token `xclip serve` was started with (--token or XCLIP_TOKEN), if any',
  });
  assert.deepEqual(watching.security, [{ localToken: [] }, {}], 'a server without a token takes requests without one');
  for (const [path, item] of Object.entries<Record<string, any>>(watching.paths))
    for (const [method, operation] of Object.entries<any>(item)) {
      const codes = Object.keys(operation.responses);
      assert.ok(codes.includes('401') && codes.includes('403'), `${method} ${path}: ${codes}`);
      assert.equal(codes.includes('415'), method !== 'get', `${method} ${path}: ${codes}`);
    }
  assert.match(watching.paths['/uploads/local'].post.responses[415].description, /video\/\*/, 'its own body types');

  const { app } = server({ watch: false });
  const apiOnly = (await (await app.request('/openapi.json')).json()) as any;
  assert.equal(apiOnly.paths['/uploads/local'], undefined);
  assert.ok(apiOnly.paths['/videos'].get.responses[403], 'the guard is documented without a watched folder too');
  const refused = await upload(app, '?name=a.mp4', Buffer.from('x'));
  assert.equal(refused.status, 404);
  assert.equal(await errorCode(refused), 'NOT_FOUND');
});
