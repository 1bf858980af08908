import jpeg from 'jpeg-js';
import { mapConcurrently } from '../../common/concurrency.js';
import type { Normalization, SampledFrames, TimelineWindow } from '../../media/index.js';
import type { ObjectStore } from './ports/object-store.js';
import type { Thumbnails } from './result-schema.js';
import { type ArtifactKeys, thumbnailKey } from './storage-keys.js';

/** Small enough for a grid of dozens, good enough to recognise a shot. */
const JPEG_QUALITY = 70;
/** Most frame thumbnails per video: a long video's timeline gets evenly spread ones beyond this. */
export const MAX_FRAME_THUMBNAILS = 240;
const PUT_CONCURRENCY = 8;

/** JPEG pictures of a video, made from the frames the classifier decoded anyway. */
export interface VideoStills {
  /** The sampled frame nearest the middle, at the decoded size (shorter side the model's). */
  poster: Uint8Array;
  /** One per sampled frame, or per timeline window in segment mode, in time order. */
  frames: Array<{ seconds: number; jpeg: Uint8Array }>;
}

/** JPEG of an interleaved RGB picture. */
export function encodeJpeg(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let from = 0, to = 0; from < rgb.length; from += 3, to += 4) {
    rgba[to] = rgb[from]!;
    rgba[to + 1] = rgb[from + 1]!;
    rgba[to + 2] = rgb[from + 2]!;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, JPEG_QUALITY).data);
}

/** Frame `t` of model input [T, 3, size, size] back in interleaved RGB: the normalisation undone. */
export function rgbOfPixelValues(
  pixelValues: Float32Array,
  t: number,
  size: number,
  { mean, std }: Normalization,
): Uint8Array {
  const plane = size * size;
  // A clamped array rounds and clamps what it is given.
  const rgb = new Uint8ClampedArray(plane * 3);
  for (let c = 0; c < 3; c++) {
    const from = (t * 3 + c) * plane;
    for (let i = 0; i < plane; i++) rgb[i * 3 + c] = (pixelValues[from + i]! * std[c]! + mean[c]!) * 255;
  }
  return new Uint8Array(rgb.buffer);
}

/** At most `limit` of `items`, evenly spread, first and order kept. */
function spread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}

function sampledFrameJpeg(sampled: SampledFrames, index: number): Uint8Array {
  return encodeJpeg(sampled.frames[index]!, sampled.frameSize.width, sampled.frameSize.height);
}

/** The poster and, without a timeline, one thumbnail per sampled frame. */
export function stillsOfSampledFrames(sampled: SampledFrames): VideoStills {
  const order = sampled.times.map((seconds, index) => ({ seconds, index })).sort((a, b) => a.seconds - b.seconds);
  const middle = order[Math.floor(order.length / 2)]!;
  return {
    poster: sampledFrameJpeg(sampled, middle.index),
    frames: spread(order, MAX_FRAME_THUMBNAILS).map(({ seconds, index }) => ({
      seconds,
      jpeg: sampledFrameJpeg(sampled, index),
    })),
  };
}

/** One thumbnail per timeline window: its middle frame, as the model saw it (the centre crop). */
export function stillsOfTimeline(
  windows: readonly TimelineWindow[],
  size: number,
  normalization: Normalization,
): VideoStills['frames'] {
  return spread(windows, MAX_FRAME_THUMBNAILS).map((window) => {
    const t = Math.floor(window.times.length / 2);
    return {
      seconds: window.times[t]!,
      jpeg: encodeJpeg(rgbOfPixelValues(window.pixelValues, t, size, normalization), size, size),
    };
  });
}

/** Stores the stills beside the result document; what the document records of them. */
export async function storeStills(
  artifacts: ObjectStore,
  keys: ArtifactKeys,
  stills: VideoStills,
): Promise<Thumbnails> {
  await artifacts.put(thumbnailKey(keys, 'poster'), stills.poster, 'image/jpeg');
  const frames = await mapConcurrently(
    stills.frames.map((frame, index) => ({ ...frame, key: thumbnailKey(keys, index) })),
    PUT_CONCURRENCY,
    async ({ seconds, jpeg: bytes, key }) => {
      await artifacts.put(key, bytes, 'image/jpeg');
      return { seconds, key };
    },
  );
  return { contentType: 'image/jpeg', poster: thumbnailKey(keys, 'poster'), frames };
}
