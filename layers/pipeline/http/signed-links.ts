import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { z } from 'zod';
import { type ArtifactLinks, LINK_WINDOW_MS, linkWindowStart, NotFoundError, type ObjectStore } from '../core/index.js';

/** The routes the local server answers signed URLs on: thumbnails, and source videos for the page's player. */
export const ARTIFACT_ROUTE = '/artifacts';
export const MEDIA_ROUTE = '/media';
/** Only thumbnails are handed out on ARTIFACT_ROUTE, each well below this. */
const MAX_ARTIFACT_BYTES = 1024 * 1024;
const THUMBNAIL_KEY = /^thumbnails\/.+\.jpg$/;
const MEDIA_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
};

const signedQuerySchema = z.strictObject({
  key: z.string().min(1).max(1024),
  expires: z.string().regex(/^\d{1,15}$/),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * Local URLs of one route signed with a secret of this process (HMAC-SHA256 over the route, key and expiry): like
 * S3's presigned URLs they need no token, so the local guard lets them through, and they end with the process.
 */
export class LocalArtifactLinks implements ArtifactLinks {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly route: string = ARTIFACT_ROUTE,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private signature(key: string, expires: string): Buffer {
    return createHmac('sha256', this.secret).update(`${this.route}\n${key}\n${expires}`).digest();
  }

  async urlOf(key: string): Promise<string> {
    const expires = String(linkWindowStart(this.now()).getTime() + 2 * LINK_WINDOW_MS);
    const query = new URLSearchParams({ key, expires, signature: this.signature(key, expires).toString('hex') });
    return `${this.route}?${query}`;
  }

  /** The key a signed query names, when its signature holds and it has not expired. */
  verify(query: Record<string, string>): string | undefined {
    const parsed = signedQuerySchema.safeParse(query);
    if (!parsed.success) return undefined;
    const { key, expires, signature } = parsed.data;
    if (Number(expires) <= this.now().getTime()) return undefined;
    return timingSafeEqual(Buffer.from(signature, 'hex'), this.signature(key, expires)) ? key : undefined;
  }
}

/**
 * GET /artifacts?key&expires&signature: a thumbnail by a URL `links` signed. A bad, expired or foreign signature, a key
 * that is not a thumbnail's and a missing object are all the same 404; the key is an artifact store key, never a
 * path the request chooses.
 */
export function addArtifactRoute(app: Hono, artifacts: ObjectStore, links: LocalArtifactLinks): void {
  app.get(ARTIFACT_ROUTE, async (c) => {
    const key = links.verify(c.req.query());
    const bytes = key !== undefined && THUMBNAIL_KEY.test(key) ? await artifacts.get(key) : undefined;
    if (!bytes || bytes.byteLength > MAX_ARTIFACT_BYTES) throw new NotFoundError('artifact');
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': 'image/jpeg',
      'Cache-Control': `private, max-age=${LINK_WINDOW_MS / 1000}`,
      'X-Content-Type-Options': 'nosniff',
    });
  });
}

/** The byte range a Range header asks for within `size` bytes: one `bytes=a-b`, `bytes=a-` or `bytes=-n`. */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] =
    match[1] === '' ? [size - Number(match[2]), size - 1] : [Number(match[1]), match[2] ? Number(match[2]) : size - 1];
  return start >= 0 && start <= end && start < size ? { start, end: Math.min(end, size - 1) } : undefined;
}

/**
 * GET /media?key&expires&signature: a video of the watched folder by a URL `links` signed (the page's player),
 * streamed, with single byte ranges so the player can seek.
 */
export function addMediaRoute(
  app: Hono,
  sources: ObjectStore & { localPath(key: string): string },
  links: LocalArtifactLinks,
): void {
  app.get(MEDIA_ROUTE, async (c) => {
    const key = links.verify(c.req.query());
    const path = key === undefined ? undefined : sources.localPath(key);
    const stats = path === undefined ? undefined : await stat(path).catch(() => undefined);
    if (!path || !stats?.isFile() || stats.size === 0) throw new NotFoundError('video');
    const headers = {
      'Content-Type': MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
    };
    const range = c.req.header('range') === undefined ? undefined : byteRange(c.req.header('range'), stats.size);
    if (c.req.header('range') !== undefined && !range)
      return c.body(null, 416, { ...headers, 'Content-Range': `bytes */${stats.size}` });
    const { start, end } = range ?? { start: 0, end: stats.size - 1 };
    const body = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream;
    return c.body(body, range ? 206 : 200, {
      ...headers,
      'Content-Length': String(end - start + 1),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${stats.size}` } : {}),
    });
  });
}
