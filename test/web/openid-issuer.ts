// An OpenID issuer stand-in for the sign-in tests, over https on loopback as the page and the API require: a
// discovery document, /authorize (a sign-in page with one "continue" link that carries the code back), /token
// (authorization code + PKCE S256) and the JWKS whose key signs the tokens. It checks what a real issuer (Cognito's
// hosted UI) checks and answers errors the way OAuth 2.0 says; it never lets a code be used twice.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface OpenIdIssuer {
  /** https://127.0.0.1:PORT, the `iss` of its tokens. */
  issuer: string;
  /** The PEM file of its self-signed certificate: what a client that calls it must trust. */
  certificatePath: string;
  /** An ID token for the test user, signed with the issuer's key, valid for `lifetimeSeconds` (negative: expired). */
  idToken(lifetimeSeconds?: number): Promise<string>;
  /** Registers the client's one redirect URI (the page); its origin may call /token from a browser (CORS). */
  registerRedirect(redirectUri: string): void;
  close(): Promise<void>;
}

const KEY_ID = 'test-key-1';
const USER = { sub: 'user-0001', email: 'tester@example.com' };
/** How long a code may wait to be traded, as Cognito's five minutes. */
const CODE_LIFETIME_MS = 5 * 60_000;
const TOKEN_LIFETIME_S = 3600;

interface Grant {
  challenge: string;
  redirectUri: string;
  issuedAt: number;
}

/** A self-signed certificate for 127.0.0.1 (openssl), valid for a day, in `dir`. */
function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer; certificatePath: string } {
  const keyPath = join(dir, 'key.pem');
  const certificatePath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', keyPath, '-out', certificatePath],
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certificatePath), certificatePath };
}

/** Why an issuer cannot be started here, or undefined. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'no openssl to make the issuer stand-in a certificate';
  }
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > 8192) break;
  }
  return new URLSearchParams(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startOpenIdIssuer(clientId: string): Promise<OpenIdIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'xclip-issuer-'));
  const { key, cert, certificatePath } = selfSignedCertificate(dir);
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' }] };
  const grants = new Map<string, Grant>();
  let issuer = '';
  let redirectUri = '';

  const sign = (claims: JWTPayload, lifetimeSeconds: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...USER, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: KEY_ID })
      .setIssuer(issuer)
      .setIssuedAt(Math.min(now, now + lifetimeSeconds - 60))
      .setExpirationTime(now + lifetimeSeconds)
      .sign(privateKey);
  };
  const idToken = (lifetimeSeconds = TOKEN_LIFETIME_S) => sign({ aud: clientId, token_use: 'id' }, lifetimeSeconds);

  const server: Server = createServer({ key, cert }, async (request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      response
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
        .end(JSON.stringify(body));

    if (request.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'email'],
      });
    }
    if (request.method === 'GET' && url.pathname === '/.well-known/jwks.json') return json(200, jwks);

    if (request.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const q = url.searchParams;
      // A client or redirect URI the issuer does not know is never redirected to (RFC 6749 §4.1.2.1).
      if (q.get('client_id') !== clientId || q.get('redirect_uri') !== redirectUri)
        return response.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or redirect_uri');
      const back = new URL(redirectUri);
      const state = q.get('state');
      if (state) back.searchParams.set('state', state);
      const problem =
        q.get('response_type') !== 'code'
          ? 'unsupported_response_type'
          : !q.get('scope')?.split(' ').includes('openid')
            ? 'invalid_scope'
            : !state || q.get('code_challenge_method') !== 'S256' || !PKCE_VALUE.test(q.get('code_challenge') ?? '')
              ? 'invalid_request'
              : undefined;
      if (problem) {
        back.searchParams.set('error', problem);
      } else {
        const code = randomBytes(24).toString('base64url');
        grants.set(code, { challenge: q.get('code_challenge')!, redirectUri: redirectUri, issuedAt: Date.now() });
        back.searchParams.set('code', code);
      }
      // The issuer's own page, where a person would sign in: here one link back, to follow or to tamper with.
      return response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><title>Issuer</title><link rel="icon" href="data:,"><a id="continue" href="${escapeHtml(back.href)}">Continue as ${USER.email}</a></html>`,
        );
    }

    const cors = { 'access-control-allow-origin': new URL(redirectUri).origin };
    if (request.method === 'OPTIONS' && url.pathname === '/oauth2/token')
      return response
        .writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
        })
        .end();
    if (request.method === 'POST' && url.pathname === '/oauth2/token') {
      const form = await readForm(request);
      const code = form.get('code') ?? '';
      const grant = grants.get(code);
      grants.delete(code);
      if (form.get('grant_type') !== 'authorization_code') return json(400, { error: 'unsupported_grant_type' }, cors);
      if (form.get('client_id') !== clientId) return json(401, { error: 'invalid_client' }, cors);
      const fits =
        grant !== undefined &&
        Date.now() - grant.issuedAt < CODE_LIFETIME_MS &&
        grant.redirectUri === form.get('redirect_uri') &&
        PKCE_VALUE.test(form.get('code_verifier') ?? '') &&
        s256(form.get('code_verifier')!) === grant.challenge;
      if (!fits) return json(400, { error: 'invalid_grant' }, cors);
      return json(
        200,
        {
          id_token: await idToken(),
          access_token: await sign({ client_id: clientId, scope: 'openid', token_use: 'access' }, TOKEN_LIFETIME_S),
          token_type: 'Bearer',
          expires_in: TOKEN_LIFETIME_S,
        },
        cors,
      );
    }
    return json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    certificatePath,
    idToken,
    registerRedirect: (uri) => {
      redirectUri = uri;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
