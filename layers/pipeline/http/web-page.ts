import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { NotFoundError } from '../core/index.js';

/** Where `npm run build:web` (run by `npm ci` as the prepare script) writes the page. */
export const BUILT_WEB_PAGE_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** The page's GET routes in OpenAPI's (and API Gateway's) path syntax: they hold no data and need no auth. */
export const WEB_PAGE_PATHS = ['/', '/assets/{name}'] as const;

/** Bounds on what is served: the build's own few files, each small; anything else is never read. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const MAX_ASSETS = 16;
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Origins the page may reach besides its own: `connect` for its calls (the sign-in issuer's token endpoint), `media`
 * for pictures and video (on AWS, presigned links to the bucket).
 */
export interface PageOrigins {
  connect?: readonly string[];
  media?: readonly string[];
}

/**
 * The page loads only its own script and style and talks only to this origin (and to `origins`): no inline code, no
 * other third-party requests, no framing.
 */
export function contentSecurityPolicy(origins: PageOrigins = {}): string {
  const media = origins.media ?? [];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self'", ...media].join(' '),
    ["media-src 'self'", ...media].join(' '),
    ["connect-src 'self'", ...(origins.connect ?? [])].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

function readBounded(path: string): Uint8Array<ArrayBuffer> | undefined {
  const stats = statSync(path);
  if (!stats.isFile() || stats.size > MAX_FILE_BYTES) return undefined;
  return new Uint8Array(readFileSync(path));
}

/** The built assets (content-hashed names, flat in assets/) that may be served, read once. */
function readAssets(dir: string): Map<string, StaticFile> {
  const assets = new Map<string, StaticFile>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir).sort()) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (!contentType || !ASSET_NAME.test(name) || assets.size >= MAX_ASSETS) continue;
    const body = readBounded(join(dir, name));
    if (body) assets.set(name, { body, contentType });
  }
  return assets;
}

function notBuilt(c: Context) {
  return c.json(
    { error: { code: 'NOT_FOUND', message: 'the web page is not built (npm run build:web builds it)' } },
    404,
    SECURITY_HEADERS,
  );
}

/**
 * Adds the web page to `app`: GET / (never cached, revalidated each load) and GET /assets/{name}
 * (content-hashed, cached for good). The files are read from `dir` once, when the routes are added;
 * a request never names a path on disk. `pageOrigins` gives the origins the page may reach besides its own
 * (none when it fails: the page then cannot sign in, and says so).
 */
export function addWebPage(
  app: Hono,
  dir = BUILT_WEB_PAGE_DIR,
  pageOrigins: () => Promise<PageOrigins> = async () => ({}),
): void {
  const indexPath = join(dir, 'index.html');
  const index = existsSync(indexPath) ? readBounded(indexPath) : undefined;
  const assets = readAssets(join(dir, 'assets'));

  app.get('/', async (c) => {
    if (!index) return notBuilt(c);
    const origins = await pageOrigins().catch(() => ({}));
    return c.body(index, 200, {
      ...SECURITY_HEADERS,
      'Content-Security-Policy': contentSecurityPolicy(origins),
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
  });

  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) throw new NotFoundError('asset');
    return c.body(asset.body, 200, {
      ...SECURITY_HEADERS,
      'Content-Type': asset.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });
}
