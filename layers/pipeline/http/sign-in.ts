import type { Hono } from 'hono';
import { z } from 'zod';
import { XclipError } from '../../common/errors.js';

/** The OpenID issuer the API's JWT authorizer trusts, and the client the page signs in as (its first audience). */
export interface SignInSettings {
  issuer: string;
  clientId: string;
}

/** What GET /sign-in.json tells the page: where to send the person, where to trade the code, as whom. */
export interface SignInConfig {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  clientId: string;
  scope: string;
}

export const SIGN_IN_PATH = '/sign-in.json';

/** Bounds on the issuer's discovery document: one small JSON answer within a few seconds. */
const DISCOVERY_TIMEOUT_MS = 5000;
const MAX_DISCOVERY_BYTES = 64 * 1024;

const httpsUrl = z.url({ protocol: /^https$/ });
const discoverySchema = z.object({ authorization_endpoint: httpsUrl, token_endpoint: httpsUrl });

export class SignInUnavailableError extends XclipError {
  constructor(why: string, options?: { cause?: unknown }) {
    super('SIGN_IN_UNAVAILABLE', 'sign-in is unavailable', why, options);
  }
}

async function discover(settings: SignInSettings, fetchImpl: typeof fetch): Promise<SignInConfig> {
  const url = `${settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let text: string;
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: 'error' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new SignInUnavailableError("the issuer's OpenID configuration cannot be read", { cause: error });
  }
  if (text.length > MAX_DISCOVERY_BYTES)
    throw new SignInUnavailableError("the issuer's OpenID configuration is too large");
  let parsed: z.infer<typeof discoverySchema>;
  try {
    parsed = discoverySchema.parse(JSON.parse(text));
  } catch (error) {
    throw new SignInUnavailableError("the issuer's OpenID configuration lacks https endpoints", { cause: error });
  }
  return {
    authorizationEndpoint: parsed.authorization_endpoint,
    tokenEndpoint: parsed.token_endpoint,
    clientId: settings.clientId,
    scope: 'openid',
  };
}

/**
 * The issuer's endpoints from its OpenID discovery document, read on first use and kept for the process; a failed
 * read is tried again on the next call.
 */
export function signInConfigOf(settings: SignInSettings, fetchImpl: typeof fetch = fetch): () => Promise<SignInConfig> {
  let config: Promise<SignInConfig> | undefined;
  return () => {
    config ??= discover(settings, fetchImpl).catch((error: unknown) => {
      config = undefined;
      throw error;
    });
    return config;
  };
}

/** GET /sign-in.json: the page's sign-in settings (public: endpoints and a client id, no secret). */
export function addSignInConfig(app: Hono, config: () => Promise<SignInConfig>): void {
  app.get(SIGN_IN_PATH, async (c) => c.json(await config(), 200, { 'Cache-Control': 'no-cache' }));
}
