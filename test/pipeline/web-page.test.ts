import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Hono } from 'hono';
import { errorResponse } from '../../layers/pipeline/http/http-errors.js';
import { addWebPage, CONTENT_SECURITY_POLICY } from '../../layers/pipeline/http/web-page.js';

function pageApp(dir: string): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = errorResponse(error);
    return c.json(body, status);
  });
  addWebPage(app, dir);
  return app;
}

function builtPage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xclip-web-page-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'assets', 'main-ABC123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'styles-DEF456.css'), 'body{}');
  writeFileSync(join(dir, 'assets', 'notes.txt'), 'not an asset type');
  writeFileSync(join(dir, 'assets', 'huge-1.js'), Buffer.alloc(3 * 1024 * 1024));
  writeFileSync(join(dir, 'secret.js'), 'outside assets/');
  return dir;
}

test('GET / is the page, revalidated on every load, under a strict Content-Security-Policy', async () => {
  const response = await pageApp(builtPage()).request('/');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'no-cache');
  assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.match(CONTENT_SECURITY_POLICY, /connect-src 'self'(;|$)/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await response.text(), '<!doctype html><title>t</title>');
});

test('assets are served with their content type and cached for good; nothing else is', async () => {
  const app = pageApp(builtPage());
  const script = await app.request('/assets/main-ABC123.js');
  assert.equal(script.status, 200);
  assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(await script.text(), 'console.log(1)');
  const style = await app.request('/assets/styles-DEF456.css');
  assert.equal(style.headers.get('content-type'), 'text/css; charset=utf-8');

  for (const path of [
    '/assets/notes.txt',
    '/assets/huge-1.js',
    '/assets/missing.js',
    '/assets/..%2Fsecret.js',
    '/assets/%2e%2e/secret.js',
    '/secret.js',
    '/index.html',
  ]) {
    const response = await app.request(path);
    assert.equal(response.status, 404, path);
    assert.doesNotMatch(await response.text(), /outside assets|not an asset/, path);
  }
});

test('without a built page, GET / says how to build it, as JSON', async () => {
  const response = await pageApp(join(tmpdir(), 'xclip-no-such-page')).request('/');
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), {
    error: { code: 'NOT_FOUND', message: 'the web page is not built (npm run build:web builds it)' },
  });
});
