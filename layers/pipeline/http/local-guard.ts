import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Hono, type MiddlewareHandler } from 'hono';
import { UsageError, XclipError } from '../../common/errors.js';
import { answerErrorsAsJson, mediaTypeOf, UnsupportedMediaTypeError } from './http-errors.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPES = ['application/json'];
/** Below this a token can be guessed; 32 hex digits (`openssl rand -hex 16`) are plenty. */
const MIN_TOKEN_CHARS = 16;

export interface LocalGuardOptions {
  /** The port the server listens on: loopback names are allowed with it. */
  port: number;
  /** More names the server is reached by: `name` (with no port or the server's) or `name:port`. */
  allowedHosts?: readonly string[];
  /** Origins (`scheme://host[:port]`) of other pages that may call the API. */
  allowedOrigins?: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Paths whose GETs need no token: the page itself (it holds no data and asks for the token) and signed URLs, whose
   * signature is their credential. Host and Origin are checked all the same.
   */
  openPaths?: (path: string) => boolean;
  /** Media types a path's mutating requests may carry instead of JSON (`video/*` matches any video type). */
  bodyTypes?: Readonly<Record<string, readonly string[]>>;
}

class HostNotAllowedError extends XclipError {
  constructor(host: string | undefined) {
    super(
      'HOST_NOT_ALLOWED',
      `requests to host ${JSON.stringify(host ?? '')} are refused`,
      'the server answers its loopback names and the --allowed-hosts only',
    );
  }
}

class OriginNotAllowedError extends XclipError {
  constructor(origin: string) {
    super(
      'ORIGIN_NOT_ALLOWED',
      `requests from pages of ${JSON.stringify(origin)} are refused`,
      'the server answers its own pages and the --allowed-origins only',
    );
  }
}

class UnauthorizedError extends XclipError {
  constructor(why: string) {
    super('UNAUTHORIZED', 'the request carries no valid token', why);
  }
}

function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Refuses to serve a non-loopback address without a token, or with one short enough to guess. */
export function checkListenSecurity(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_CHARS)
    throw new UsageError('the token is too short', `use at least ${MIN_TOKEN_CHARS} random characters`);
  if (token === undefined && !isLoopbackAddress(host))
    throw new UsageError(
      `cannot listen on ${host} without a token`,
      'anyone who reaches that address could change data; set --token or XCLIP_TOKEN, or listen on 127.0.0.1',
    );
}

/** The Host header value that names the listening address, for a specific (not wildcard) address. */
export function hostOfAddress(address: string): string | undefined {
  if (address === '0.0.0.0' || address === '::') return undefined;
  return isIP(address) === 6 ? `[${address}]` : address;
}

function hostMatcher(port: number, configured: readonly string[]): (host: string) => boolean {
  const allowed = new Set<string>();
  for (const entry of [...LOOPBACK_NAMES, ...configured].map((name) => name.toLowerCase())) {
    allowed.add(entry);
    if (!/:\d+$/.test(entry)) allowed.add(`${entry}:${port}`);
  }
  // Loopback names without a port only where the port is HTTP's default.
  if (port !== 80) for (const name of LOOPBACK_NAMES) allowed.delete(name);
  return (host) => allowed.has(host.toLowerCase());
}

function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined;
  } catch {
    return undefined;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function typeAllowed(mediaType: string, allowed: readonly string[]): boolean {
  return allowed.some((type) =>
    type.endsWith('/*')
      ? mediaType.startsWith(type.slice(0, -1)) && mediaType.length >= type.length
      : mediaType === type,
  );
}

/**
 * What keeps other web pages and other hosts' names away from the local server: the Host header must
 * name this server (no DNS rebinding), an Origin must be its own or an allowed one, mutating requests
 * must carry JSON (a type no cross-site form or simple request can send), and with a token every
 * request must present it.
 */
export function localGuard(options: LocalGuardOptions): MiddlewareHandler {
  const hostAllowed = hostMatcher(options.port, options.allowedHosts ?? []);
  const allowedOrigins = new Set((options.allowedOrigins ?? []).map((origin) => new URL(origin).origin));
  const tokenDigest = options.token === undefined ? undefined : digest(options.token);
  return async (c, next) => {
    const host = c.req.header('host');
    if (!host || !hostAllowed(host)) throw new HostNotAllowedError(host);
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      const fromHost = originHost(origin);
      if (!fromHost || !hostAllowed(fromHost)) throw new OriginNotAllowedError(origin);
    }
    const open = SAFE_METHODS.has(c.req.method) && options.openPaths?.(c.req.path) === true;
    if (tokenDigest && !open) {
      const presented = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (!presented || !timingSafeEqual(digest(presented), tokenDigest)) {
        c.header('WWW-Authenticate', 'Bearer realm="xclip"');
        throw new UnauthorizedError(presented ? 'the token does not match' : 'send Authorization: Bearer <token>');
      }
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const allowed = options.bodyTypes?.[c.req.path] ?? JSON_TYPES;
      const contentType = c.req.header('content-type');
      if (!typeAllowed(mediaTypeOf(contentType), allowed))
        throw new UnsupportedMediaTypeError(contentType, allowed.join(' or '));
    }
    await next();
  };
}

/** `app` behind localGuard, errors answered as JSON: what `xclip serve` listens with. */
export function guardedApp(app: Hono, options: LocalGuardOptions, log?: (line: string) => void): Hono {
  const guarded = new Hono();
  answerErrorsAsJson(guarded, log);
  guarded.use(localGuard(options));
  guarded.all('*', (c) => app.fetch(c.req.raw, c.env));
  return guarded;
}
