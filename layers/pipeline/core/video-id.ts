import { createHash } from 'node:crypto';

/**
 * The id of the video stored at `key` in `bucket`: the first 16 bytes of sha256(bucket, key) in
 * base64url. Deterministic, fixed length and URL-safe whatever the key holds (spaces, unicode, '+').
 */
export function videoIdFor(bucket: string, key: string): string {
  return createHash('sha256').update(`${bucket}\0${key}`).digest().subarray(0, 16).toString('base64url');
}
