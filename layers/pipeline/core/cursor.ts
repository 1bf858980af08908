import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { InvalidCursorError } from './errors.js';

/** Ties a cursor to the query it came from, so it cannot be replayed against other filters. */
export function queryFingerprint(filters: Record<string, string | undefined>): string {
  return createHash('sha256')
    .update(JSON.stringify(Object.entries(filters).sort()))
    .digest('base64url')
    .slice(0, 12);
}

/** An opaque page cursor: the position (store-specific) and the query fingerprint, as base64url JSON. */
export function encodeCursor<T>(position: T, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ p: position, q: fingerprint })).toString('base64url');
}

export function decodeCursor<S extends z.ZodType>(cursor: string, positionSchema: S, fingerprint: string): z.infer<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor this API returned');
  }
  const { p, q } = (parsed ?? {}) as { p?: unknown; q?: unknown };
  if (q !== fingerprint) throw new InvalidCursorError('it belongs to a query with other filters');
  const position = positionSchema.safeParse(p);
  if (!position.success) throw new InvalidCursorError('not a cursor this API returned');
  return position.data;
}
