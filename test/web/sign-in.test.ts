import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { authorizationHeader, type TabStorage } from '../../web/src/api/credentials.js';
import {
  challengeOf,
  completeSignIn,
  createVerifier,
  type SignInConfig,
  SignInError,
  startSignIn,
} from '../../web/src/api/sign-in.js';

/** sessionStorage's part the page uses, over a Map. */
class MemoryTabStorage implements TabStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
}

const REDIRECT = 'https://abc.execute-api.eu-west-1.amazonaws.com/';
let storage: MemoryTabStorage;
/** A stand-in token endpoint: issues an ID token for a code it handed out, when the verifier fits its challenge. */
let tokenServer: Server;
let config: SignInConfig;
const issued = new Map<string, { challenge: string; clientId: string; redirectUri: string }>();

before(async () => {
  tokenServer = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const grant = issued.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const fits =
        request.headers['content-type'] === 'application/x-www-form-urlencoded' &&
        form.get('grant_type') === 'authorization_code' &&
        grant !== undefined &&
        grant.clientId === form.get('client_id') &&
        grant.redirectUri === form.get('redirect_uri') &&
        createHash('sha256').update(verifier).digest('base64url') === grant.challenge;
      response
        .writeHead(fits ? 200 : 400, { 'content-type': 'application/json' })
        .end(
          JSON.stringify(
            fits
              ? { id_token: 'id.token.for-web', access_token: 'a', token_type: 'Bearer' }
              : { error: 'invalid_grant' },
          ),
        );
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  config = {
    authorizationEndpoint: 'https://login.example.com/oauth2/authorize',
    tokenEndpoint: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/oauth2/token`,
    clientId: 'web-client',
    scope: 'openid',
  };
});
after(() => tokenServer.close());
beforeEach(() => {
  storage = new MemoryTabStorage();
  Object.assign(globalThis, { sessionStorage: storage });
});

/** What the issuer does after the person signs in: a code for this challenge, sent back with the state. */
function issuerAnswers(authorizeUrl: string): URL {
  const params = new URL(authorizeUrl).searchParams;
  const code = `code-${issued.size}`;
  issued.set(code, {
    challenge: params.get('code_challenge')!,
    clientId: params.get('client_id')!,
    redirectUri: params.get('redirect_uri')!,
  });
  return new URL(`${params.get('redirect_uri')}?code=${code}&state=${params.get('state')}`);
}

test("the S256 challenge is RFC 7636's example; verifiers are 43 characters of base64url, each new", async () => {
  assert.equal(
    await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
  const verifiers = new Set(Array.from({ length: 20 }, createVerifier));
  assert.equal(verifiers.size, 20);
  for (const verifier of verifiers) assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
});

test('the authorization URL asks for a code with an S256 challenge, the client, the page as redirect and a state', async () => {
  const url = new URL(await startSignIn(config, REDIRECT, storage));
  assert.equal(url.origin + url.pathname, config.authorizationEndpoint);
  const params = url.searchParams;
  assert.equal(params.get('response_type'), 'code');
  assert.equal(params.get('client_id'), 'web-client');
  assert.equal(params.get('redirect_uri'), REDIRECT);
  assert.equal(params.get('scope'), 'openid');
  assert.equal(params.get('code_challenge_method'), 'S256');
  assert.match(params.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
  assert.match(params.get('state')!, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(
    !storage.getItem('xclip-sign-in')!.includes(params.get('code_challenge')!),
    'the verifier, not the challenge, stays',
  );
});

test('the answer is traded for the ID token, which the page then sends as Bearer; the sign-in is used up', async () => {
  assert.deepEqual(authorizationHeader(), {});
  const answer = issuerAnswers(await startSignIn(config, REDIRECT, storage));
  assert.equal(await completeSignIn(answer, storage), true);
  assert.deepEqual(authorizationHeader(), { authorization: 'Bearer id.token.for-web' });
  await assert.rejects(completeSignIn(answer, storage), SignInError, 'a second use of the answer');
});

test('answers that are not for this tab, refusals and bad codes keep no token', async () => {
  assert.equal(await completeSignIn(new URL(`${REDIRECT}#/videos/abc`), storage), false, 'a plain load');

  const forged = issuerAnswers(await startSignIn(config, REDIRECT, storage));
  forged.searchParams.set('state', createVerifier());
  await assert.rejects(completeSignIn(forged, storage), /does not belong to a sign-in of this tab/);

  const started = new URL(await startSignIn(config, REDIRECT, storage));
  const refused = new URL(`${REDIRECT}?error=access_denied&state=${started.searchParams.get('state')}`);
  await assert.rejects(completeSignIn(refused, storage), /refused the sign-in \(access_denied\)/);

  const badCode = issuerAnswers(await startSignIn(config, REDIRECT, storage));
  badCode.searchParams.set('code', 'never-issued');
  await assert.rejects(completeSignIn(badCode, storage), /gave no token \(it answered 400\)/);

  const otherTab = issuerAnswers(await startSignIn(config, REDIRECT, new MemoryTabStorage()));
  await assert.rejects(completeSignIn(otherTab, storage), SignInError);
  assert.deepEqual(authorizationHeader(), {});
});
