import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UsageError } from '../../layers/common/errors.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { createApi } from '../../layers/pipeline/http/api-app.js';
import { bind, type ListeningServer } from '../../layers/pipeline/http/http-server.js';
import { checkListenSecurity, guardedApp, type LocalGuardOptions } from '../../layers/pipeline/http/local-guard.js';
import { errorResponseSchema, videoRecordSchema } from '../../layers/pipeline/http/schemas.js';
import { classified } from './records.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string; agent?: Agent },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/videos',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
        agent: options.agent ?? false,
      },
      (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (text += chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode!, headers: incoming.headers, body: JSON.parse(text) }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function errorCode(reply: Reply): string {
  return errorResponseSchema.parse(reply.body).error.code;
}

const results = new SqliteResultStore(':memory:');
const servers: ListeningServer[] = [];
let videoId: string;

/** The real API over a real store behind the guard, on a free port of 127.0.0.1. */
async function guardedServer(options: Omit<LocalGuardOptions, 'port'> = {}): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'xclip-guard-'));
  const api = createApi({
    results,
    artifacts: new FsObjectStore(work),
    vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: 2 }),
    model: () => Promise.reject(new Error('no request in these tests gets as far as the model')),
  });
  const server = await bind(0, '127.0.0.1');
  server.serve(guardedApp(api, { ...options, port: server.port }));
  servers.push(server);
  return server.port;
}

before(async () => {
  videoId = await classified(results, 'clip.mp4', [['surfing water', 0.9]], '2026-01-01T00:00:00.000Z');
});
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  results.close();
});

describe('without configuration', () => {
  let port: number;
  before(async () => {
    port = await guardedServer();
  });

  test('the loopback names with the server port are served', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const reply = await send(port, { headers: { host } });
      assert.equal(reply.status, 200, host);
      assert.equal(reply.body.items.length, 1);
    }
  });

  test('another host name, another port or no port is refused (DNS rebinding)', async () => {
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1:${port + 1}`,
      'localhost',
      `127.0.0.2:${port}`,
    ]) {
      const reply = await send(port, { headers: { host } });
      assert.equal(reply.status, 403, host);
      assert.equal(errorCode(reply), 'HOST_NOT_ALLOWED');
      assert.equal(reply.body.items, undefined);
    }
  });

  test("a page's own origin and the other loopback names are served; other origins are refused", async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      assert.equal((await send(port, { headers: { origin } })).status, 200, origin);
    }
    for (const origin of ['https://evil.example', 'null', `http://localhost:${port + 1}`, `ftp://localhost:${port}`]) {
      const reply = await send(port, { headers: { origin } });
      assert.equal(reply.status, 403, origin);
      assert.equal(errorCode(reply), 'ORIGIN_NOT_ALLOWED');
    }
  });

  test('a cross-site text/plain POST /relabel is refused and changes nothing', async () => {
    const relabel = JSON.stringify({ ids: [videoId], labels: 'hacked,labels' });
    const attempts: Array<Record<string, string>> = [
      { 'content-type': 'text/plain', origin: 'https://evil.example' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      {},
    ];
    for (const headers of attempts) {
      const reply = await send(port, { method: 'POST', path: '/relabel', headers, body: relabel });
      assert.ok(reply.status === 403 || reply.status === 415, JSON.stringify(headers));
      assert.match(errorCode(reply), /^(ORIGIN_NOT_ALLOWED|UNSUPPORTED_MEDIA_TYPE)$/);
    }
    const textPlain = await send(port, { method: 'POST', path: '/relabel', headers: attempts[1], body: relabel });
    assert.equal(textPlain.status, 415);
    assert.equal(errorCode(textPlain), 'UNSUPPORTED_MEDIA_TYPE');
    const record = videoRecordSchema.parse((await send(port, { path: `/videos/${videoId}` })).body);
    assert.deepEqual(
      record.result!.labels.map((label) => label.label),
      ['surfing water'],
    );
  });

  test('JSON POSTs reach the routes', async () => {
    const reply = await send(port, {
      method: 'POST',
      path: '/relabel',
      headers: { 'content-type': 'application/json; charset=utf-8', origin: `http://127.0.0.1:${port}` },
      body: '{}',
    });
    assert.equal(reply.status, 400);
    assert.equal(errorCode(reply), 'INVALID_REQUEST');
  });

  test('a body over the limit is answered 413 with Connection: close, and the next request on the agent works', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = await send(port, {
        method: 'POST',
        path: '/search',
        headers: { 'content-type': 'application/json' },
        // Over the search limit, which leaves room for a 4 MiB image in base64.
        body: JSON.stringify({ text: 'x'.repeat(7 * 1024 * 1024) }),
        agent,
      });
      assert.equal(big.status, 413);
      assert.equal(errorCode(big), 'PAYLOAD_TOO_LARGE');
      assert.equal(big.headers.connection, 'close');
      for (let i = 0; i < 3; i++) assert.equal((await send(port, { agent })).status, 200);
    } finally {
      agent.destroy();
    }
  });
});

describe('with configured hosts, origins, body types and a token', () => {
  const token = 'a-long-enough-test-token';
  let port: number;
  before(async () => {
    port = await guardedServer({
      allowedHosts: ['media.lan', 'proxy.lan:8443'],
      allowedOrigins: ['https://app.example'],
      bodyTypes: { '/uploads/local': ['video/*', 'application/octet-stream'] },
      token,
    });
  });
  const auth = { authorization: `Bearer ${token}` };

  test('every request needs the token: 401 with WWW-Authenticate otherwise', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-of-some-length',
      `Basic ${token}`,
      `Bearer ${token}x`,
    ]) {
      const reply = await send(port, { headers: authorization ? { authorization } : {} });
      assert.equal(reply.status, 401, authorization);
      assert.equal(errorCode(reply), 'UNAUTHORIZED');
      assert.match(String(reply.headers['www-authenticate']), /^Bearer realm=/);
    }
    assert.equal((await send(port, { headers: auth })).status, 200);
  });

  test('configured names and origins are served, with the server port, no port or their own port', async () => {
    for (const host of ['media.lan', `media.lan:${port}`, 'proxy.lan:8443']) {
      assert.equal((await send(port, { headers: { ...auth, host } })).status, 200, host);
    }
    for (const host of ['proxy.lan', 'media.lan.evil.example']) {
      assert.equal((await send(port, { headers: { ...auth, host } })).status, 403, host);
    }
    for (const origin of ['https://app.example', 'https://media.lan', `http://media.lan:${port}`]) {
      assert.equal((await send(port, { headers: { ...auth, origin } })).status, 200, origin);
    }
    assert.equal((await send(port, { headers: { ...auth, origin: 'https://app.example:8443' } })).status, 403);
  });

  test("a path's own body types are taken there, and only there", async () => {
    const upload = await send(port, {
      method: 'POST',
      path: '/uploads/local?name=a.mp4',
      headers: { ...auth, 'content-type': 'video/mp4' },
      body: 'bytes',
    });
    assert.equal(upload.status, 404, 'past the guard: the API has no such route');
    const elsewhere = await send(port, {
      method: 'POST',
      path: '/relabel',
      headers: { ...auth, 'content-type': 'video/mp4' },
      body: '{}',
    });
    assert.equal(elsewhere.status, 415);
    const textUpload = await send(port, {
      method: 'POST',
      path: '/uploads/local?name=a.mp4',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: 'bytes',
    });
    assert.equal(textUpload.status, 415);
  });
});

test('a non-loopback address needs a token, and a token needs some length', () => {
  assert.doesNotThrow(() => checkListenSecurity('127.0.0.1', undefined));
  assert.doesNotThrow(() => checkListenSecurity('localhost', undefined));
  assert.doesNotThrow(() => checkListenSecurity('::1', undefined));
  assert.doesNotThrow(() => checkListenSecurity('0.0.0.0', 'a-long-enough-test-token'));
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com']) {
    assert.throws(
      () => checkListenSecurity(host, undefined),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /without a token .*--token or XCLIP_TOKEN/);
        return true;
      },
    );
  }
  assert.throws(() => checkListenSecurity('127.0.0.1', 'short'), /too short/);
});
