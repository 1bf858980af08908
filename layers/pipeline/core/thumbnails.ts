import { encodeJpeg, type Normalization, type SampledFrames, type TimelineWindow } from '../../media/index.js';
import type { ObjectStore } from './ports/object-store.js';
import type { Thumbnails } from './result-schema.js';
import { type ArtifactKeys, thumbnailKey } from './storage-keys.js';

/** Most frame thumbnails per video: a long video's timeline gets evenly spread ones beyond this. */
export const MAX_FRAME_THUMBNAILS = 240;
/** Tiles per row of the frame sheet. */
const SHEET_COLUMNS = 16;

/** An interleaved RGB picture. */
export interface RgbPicture {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** The frame thumbnails of a video as tiles of one JPEG: tile i at column i % columns, row ⌊i / columns⌋. */
export interface FrameSheet {
  jpeg: Uint8Array;
  columns: number;
  tileWidth: number;
  tileHeight: number;
}

/** JPEG pictures of a video, made from the frames the classifier decoded anyway. */
export interface VideoStills {
  /** The sampled frame nearest the middle, at the decoded size (shorter side the model's). */
  poster: Uint8Array;
  /**
   * One thumbnail per sampled frame, or per timeline window in segment mode, in time order, in one sheet: one file
   * to fetch for a grid, and one encoder set up per video instead of one per frame.
   */
  sheet: FrameSheet;
  frames: Array<{ seconds: number }>;
}

/** Half the width and height, each pixel the mean of a 2x2 block (an odd last row or column is dropped). */
export function halve({ rgb, width, height }: RgbPicture): RgbPicture {
  const half = { width: Math.max(1, width >> 1), height: Math.max(1, height >> 1) };
  const out = new Uint8Array(half.width * half.height * 3);
  const at = (x: number, y: number, c: number) =>
    rgb[(Math.min(y, height - 1) * width + Math.min(x, width - 1)) * 3 + c]!;
  for (let y = 0; y < half.height; y++)
    for (let x = 0; x < half.width; x++)
      for (let c = 0; c < 3; c++)
        out[(y * half.width + x) * 3 + c] =
          (at(2 * x, 2 * y, c) + at(2 * x + 1, 2 * y, c) + at(2 * x, 2 * y + 1, c) + at(2 * x + 1, 2 * y + 1, c) + 2) >>
          2;
  return { rgb: out, ...half };
}

/** Equal-sized pictures as tiles of one JPEG, halved: frame thumbnails are shown small. */
export async function frameSheet(pictures: readonly RgbPicture[]): Promise<FrameSheet> {
  const tiles = pictures.map(halve);
  const { width: tileWidth, height: tileHeight } = tiles[0]!;
  const columns = Math.min(tiles.length, SHEET_COLUMNS);
  const width = columns * tileWidth;
  const rows = Math.ceil(tiles.length / columns);
  const sheet = new Uint8Array(width * rows * tileHeight * 3);
  tiles.forEach((tile, i) => {
    const left = (i % columns) * tileWidth;
    const top = Math.floor(i / columns) * tileHeight;
    for (let y = 0; y < tileHeight; y++)
      sheet.set(tile.rgb.subarray(y * tileWidth * 3, (y + 1) * tileWidth * 3), ((top + y) * width + left) * 3);
  });
  return { jpeg: await encodeJpeg(sheet, width, rows * tileHeight), columns, tileWidth, tileHeight };
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

/** The poster and, without a timeline, one thumbnail per sampled frame. */
export async function stillsOfSampledFrames(sampled: SampledFrames): Promise<VideoStills> {
  const { width, height } = sampled.frameSize;
  const order = sampled.times.map((seconds, index) => ({ seconds, index })).sort((a, b) => a.seconds - b.seconds);
  const middle = order[Math.floor(order.length / 2)]!;
  const chosen = spread(order, MAX_FRAME_THUMBNAILS);
  return {
    poster: await encodeJpeg(sampled.frames[middle.index]!, width, height),
    sheet: await frameSheet(chosen.map(({ index }) => ({ rgb: sampled.frames[index]!, width, height }))),
    frames: chosen.map(({ seconds }) => ({ seconds })),
  };
}

/** One thumbnail per timeline window: its middle frame as the model saw it (the centre crop). */
export async function stillsOfTimeline(
  windows: readonly TimelineWindow[],
  size: number,
  normalization: Normalization,
): Promise<Pick<VideoStills, 'sheet' | 'frames'>> {
  const middles = spread(windows, MAX_FRAME_THUMBNAILS).map((window) => {
    const t = Math.floor(window.times.length / 2);
    return { seconds: window.times[t]!, rgb: rgbOfPixelValues(window.pixelValues, t, size, normalization) };
  });
  return {
    sheet: await frameSheet(middles.map(({ rgb }) => ({ rgb, width: size, height: size }))),
    frames: middles.map(({ seconds }) => ({ seconds })),
  };
}

/** Stores the stills beside the result document; what the document records of them. */
export async function storeStills(
  artifacts: ObjectStore,
  keys: ArtifactKeys,
  stills: VideoStills,
): Promise<Thumbnails> {
  const { jpeg: sheetBytes, ...layout } = stills.sheet;
  await artifacts.put(thumbnailKey(keys, 'poster'), stills.poster, 'image/jpeg');
  await artifacts.put(thumbnailKey(keys, 'frames'), sheetBytes, 'image/jpeg');
  return {
    contentType: 'image/jpeg',
    poster: thumbnailKey(keys, 'poster'),
    frameSheet: { key: thumbnailKey(keys, 'frames'), ...layout },
    frames: stills.frames,
  };
}
