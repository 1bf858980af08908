import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Hono } from 'hono';
import { lambdaApiDocument } from '../../layers/pipeline/http/lambda-openapi.js';
import { MAX_PAGE } from '../../layers/pipeline/http/schemas.js';
import { localServerApp } from '../../layers/pipeline/runtimes/local/local-server-app.js';
import { API_MAX_PAGE, OPERATIONS, operationUrl } from '../../web/src/api/operations.js';

type Paths = Record<string, Record<string, { operationId?: string }>>;

test("every operation the web page calls is in the local server's or the API function's OpenAPI document, by id, method and path", async () => {
  const app = localServerApp(new Hono(), { watchDir: mkdtempSync(join(tmpdir(), 'xclip-operations-')) });
  const local = ((await (await app.request('/openapi.json')).json()) as { paths: Paths }).paths;
  const aws = (lambdaApiDocument() as { paths: Paths }).paths;
  for (const [id, { method, path }] of Object.entries(OPERATIONS)) {
    const operation = local[path]?.[method.toLowerCase()] ?? aws[path]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is in neither document`);
    assert.equal(operation.operationId, id);
  }
  assert.equal(API_MAX_PAGE, MAX_PAGE);
});

test('operation URLs are relative to the page, with the id encoded and unset query values left out', () => {
  assert.equal(operationUrl('getVideo', { id: 'a/b+c d' }), './videos/a%2Fb%2Bc%20d');
  assert.equal(operationUrl('similarVideos', { id: 'x', query: { k: 6 } }), './videos/x/similar?k=6');
  assert.equal(
    operationUrl('listVideos', { query: { status: 'DONE', label: undefined, since: '', limit: '24' } }),
    './videos?status=DONE&limit=24',
  );
});
