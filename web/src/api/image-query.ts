// A picked file as POST /search's image query, checked against the limits the server's schema enforces.
import { IMAGE_TYPES, MAX_IMAGE_BYTES } from '../../../layers/pipeline/http/search-limits.js';
import type { ImageQuery } from './types.js';

export { IMAGE_TYPES };
export const MAX_IMAGE_MIB = MAX_IMAGE_BYTES / 1024 ** 2;

/** Base64 of `bytes` (what the image query carries), in chunks so a 4 MiB image does not overflow the call stack. */
export function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

export class ImageRefusedError extends Error {}

/** The image query of a picked file, or why the API would refuse it. */
export async function imageQuery(file: Blob): Promise<{ image: Required<ImageQuery> }> {
  const contentType = IMAGE_TYPES.find((candidate) => candidate === file.type);
  if (!contentType) throw new ImageRefusedError('pick a JPEG, PNG or WebP image');
  if (file.size > MAX_IMAGE_BYTES) throw new ImageRefusedError(`the image is larger than ${MAX_IMAGE_MIB} MiB`);
  return { image: { data: base64Of(new Uint8Array(await file.arrayBuffer())), contentType } };
}
