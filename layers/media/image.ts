import { XclipError } from '../common/errors.js';
import type { Normalization } from './preprocess.js';

/** Most pixels a query image may have: its decoded frame takes about 200 MB. */
export const MAX_IMAGE_PIXELS = 50_000_000;
export const IMAGE_NAME = 'the query image';

/** Bytes that are not an image FFmpeg can decode, or one too large to decode. */
export class NotAnImageError extends XclipError {
  constructor(why: string) {
    super('NOT_AN_IMAGE', `${IMAGE_NAME} cannot be read`, why);
  }
}

export interface ImageRequest {
  /** Side of the square the model sees (the shorter side is resized to it, then centre-cropped). */
  size: number;
  normalization?: Normalization;
}

/**
 * An image (JPEG, PNG, WebP, ... as FFmpeg's image demuxers recognise it) as one frame of the model's pixel values,
 * float32 [3, size, size]: resized on its shorter side and centre-cropped as video frames are. FFmpeg's libraries
 * load with the first image: a process that decodes videos only in decoder processes never loads them itself.
 */
export async function readImagePixels(bytes: Uint8Array, request: ImageRequest): Promise<Float32Array> {
  const { decodeImagePixels } = await import('./image-decode.js');
  return decodeImagePixels(bytes, request);
}
