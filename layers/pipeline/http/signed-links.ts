import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { type ArtifactLinks, LINK_WINDOW_MS, linkWindowStart, NotFoundError, type ObjectStore } from '../core/index.js';

/** The route the local server answers signed artifact URLs on. */
export const ARTIFACT_ROUTE = '/artifacts';
/** Only thumbnails are handed out, each well below this. */
const MAX_ARTIFACT_BYTES = 1024 * 1024;
const LINKABLE_KEY = /^thumbnails\/.+\.jpg$/;

const signedQuerySchema = z.strictObject({
  key: z.string().min(1).max(1024).regex(LINKABLE_KEY),
  expires: z.string().regex(/^\d{1,15}$/),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * Local artifact URLs signed with a secret of this process (HMAC-SHA256 over the key and the expiry): like S3's
 * presigned URLs they need no token, so the local guard lets them through, and they end with the process.
 */
export class LocalArtifactLinks implements ArtifactLinks {
  private readonly secret = randomBytes(32);

  constructor(private readonly now: () => Date = () => new Date()) {}

  private signature(key: string, expires: string): Buffer {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest();
  }

  async urlOf(key: string): Promise<string> {
    const expires = String(linkWindowStart(this.now()).getTime() + 2 * LINK_WINDOW_MS);
    const query = new URLSearchParams({ key, expires, signature: this.signature(key, expires).toString('hex') });
    return `${ARTIFACT_ROUTE}?${query}`;
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
 * GET /artifacts?key&expires&signature: a thumbnail by a URL `links` signed. A bad, expired or foreign signature and a
 * missing object are all the same 404; the key is an artifact store key, never a path the request chooses.
 */
export function addArtifactRoute(app: Hono, artifacts: ObjectStore, links: LocalArtifactLinks): void {
  app.get(ARTIFACT_ROUTE, async (c) => {
    const key = links.verify(c.req.query());
    const bytes = key === undefined ? undefined : await artifacts.get(key);
    if (!bytes || bytes.byteLength > MAX_ARTIFACT_BYTES) throw new NotFoundError('artifact');
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': 'image/jpeg',
      'Cache-Control': `private, max-age=${LINK_WINDOW_MS / 1000}`,
      'X-Content-Type-Options': 'nosniff',
    });
  });
}
