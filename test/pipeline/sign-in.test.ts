import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Hono } from 'hono';
import { answerErrorsAsJson } from '../../layers/pipeline/http/http-errors.js';
import { addSignInConfig, signInConfigOf } from '../../layers/pipeline/http/sign-in.js';
import { addWebPage, BUILT_WEB_PAGE_DIR, contentSecurityPolicy } from '../../layers/pipeline/http/web-page.js';

/** A stand-in OpenID issuer: its discovery document, which it refuses while `down`. */
let issuer: Server;
let issuerUrl: string;
let down = false;
let discoveries = 0;
const DISCOVERY = {
  issuer: 'https://issuer.example.com',
  authorization_endpoint: 'https://login.example.com/oauth2/authorize',
  token_endpoint: 'https://login.example.com/oauth2/token',
  jwks_uri: 'https://issuer.example.com/jwks.json',
};

before(async () => {
  issuer = createServer((request, response) => {
    discoveries++;
    if (down || request.url !== '/pool/.well-known/openid-configuration') {
      response.writeHead(down ? 503 : 404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(DISCOVERY));
  });
  await new Promise<void>((resolve) => issuer.listen(0, '127.0.0.1', resolve));
  issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/pool/`;
});
after(() => issuer.close());

function appFor(issuerBase: string): Hono {
  const app = new Hono();
  answerErrorsAsJson(app);
  const config = signInConfigOf({ issuer: issuerBase, clientId: 'web-client' });
  addSignInConfig(app, config);
  addWebPage(app, BUILT_WEB_PAGE_DIR, async () => ({ connect: [new URL((await config()).tokenEndpoint).origin] }));
  return app;
}

test("GET /sign-in.json gives the issuer's endpoints from its discovery document and the client id, read once", async () => {
  discoveries = 0;
  const app = appFor(issuerUrl);
  for (let i = 0; i < 2; i++) {
    const response = await app.request('/sign-in.json');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      authorizationEndpoint: DISCOVERY.authorization_endpoint,
      tokenEndpoint: DISCOVERY.token_endpoint,
      clientId: 'web-client',
      scope: 'openid',
    });
  }
  assert.equal(discoveries, 1);
});

test("the page may call the issuer's token endpoint and nothing else besides its own origin", async () => {
  const response = await appFor(issuerUrl).request('/');
  assert.equal(response.status, 200);
  const policy = response.headers.get('content-security-policy')!;
  assert.equal(policy, contentSecurityPolicy({ connect: ['https://login.example.com'] }));
  assert.match(policy, /connect-src 'self' https:\/\/login\.example\.com;/);
});

test('an issuer that cannot answer is a 503 SIGN_IN_UNAVAILABLE, tried again on the next request; the page still loads', async () => {
  down = true;
  const app = appFor(issuerUrl);
  const refused = await app.request('/sign-in.json');
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'SIGN_IN_UNAVAILABLE');
  const page = await app.request('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), contentSecurityPolicy());
  down = false;
  assert.equal((await app.request('/sign-in.json')).status, 200);
});

test('a discovery document without https endpoints is refused', async () => {
  const app = appFor(`${issuerUrl.replace('/pool/', '/elsewhere/')}`);
  const response = await app.request('/sign-in.json');
  assert.equal(response.status, 503);
  const plain = createServer((_request, response) =>
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ...DISCOVERY, token_endpoint: 'http://login.example.com/token' })),
  );
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  try {
    const insecure = appFor(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`);
    const answer = await insecure.request('/sign-in.json');
    assert.equal(answer.status, 503);
    assert.doesNotMatch(await answer.text(), /login\.example\.com/);
  } finally {
    plain.close();
  }
});
