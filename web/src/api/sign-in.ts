// Sign-in through the OpenID issuer the API's JWT authorizer trusts: the OAuth 2.0 authorization-code flow with
// PKCE (RFC 7636, S256), all in the browser. The server tells the page the issuer's endpoints and the client id
// at sign-in.json (a public client: no secret); the ID token (its audience is that client) is the bearer token.
import type { SignInConfig } from '../../../layers/pipeline/http/sign-in.js';
import { saveToken, type TabStorage } from './credentials.js';

export type { SignInConfig };

/** The verifier and state of the sign-in this tab started, until the issuer sends the person back. */
const PENDING_KEY = 'xclip-sign-in';

interface PendingSignIn {
  verifier: string;
  state: string;
  redirectUri: string;
  tokenEndpoint: string;
  clientId: string;
}

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A PKCE code verifier (also used as the state): 32 random bytes, 43 characters. */
export function createVerifier(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of `verifier`: base64url(SHA-256(verifier)). */
export async function challengeOf(verifier: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/**
 * The server's sign-in settings; none where the server has no sign-in (the local server and the IAM-authorized
 * API do not route sign-in.json: a token, or nothing, instead).
 */
export async function fetchSignInConfig(): Promise<SignInConfig | undefined> {
  const response = await fetch('sign-in.json');
  if (response.status >= 500) throw new SignInError(`sign-in is unavailable (the server answered ${response.status})`);
  return response.ok ? ((await response.json()) as SignInConfig) : undefined;
}

/** The issuer's authorization URL for a new sign-in, remembered in `storage` so the answer can be checked. */
export async function startSignIn(config: SignInConfig, redirectUri: string, storage: TabStorage): Promise<string> {
  const pending: PendingSignIn = {
    verifier: createVerifier(),
    state: createVerifier(),
    redirectUri,
    tokenEndpoint: config.tokenEndpoint,
    clientId: config.clientId,
  };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri,
    scope: config.scope,
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

function takePending(storage: TabStorage): PendingSignIn | undefined {
  const saved = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY);
  try {
    return saved ? (JSON.parse(saved) as PendingSignIn) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * On the issuer's redirect back to `url`: checks the state against this tab's sign-in, trades the code and the
 * verifier for tokens and keeps the ID token for the tab. False when `url` is no such answer.
 */
export async function completeSignIn(url: URL, storage: TabStorage): Promise<boolean> {
  const params = url.searchParams;
  if (!params.has('code') && !params.has('error')) return false;
  const pending = takePending(storage);
  if (!pending || params.get('state') !== pending.state)
    throw new SignInError('the sign-in answer does not belong to a sign-in of this tab: sign in again');
  const error = params.get('error');
  if (error) throw new SignInError(`the issuer refused the sign-in (${error})`);
  let response: Response;
  try {
    response = await fetch(pending.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code')!,
        redirect_uri: pending.redirectUri,
        client_id: pending.clientId,
        code_verifier: pending.verifier,
      }),
    });
  } catch {
    throw new SignInError('the issuer cannot be reached');
  }
  const body = (await response.json().catch(() => undefined)) as { id_token?: unknown } | undefined;
  if (!response.ok || typeof body?.id_token !== 'string')
    throw new SignInError(`the issuer gave no token (it answered ${response.status})`);
  saveToken(body.id_token);
  return true;
}
