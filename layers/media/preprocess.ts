import type { FrameSize } from './decode.js';
import { VideoTooLargeError } from './errors.js';

/** ImageNet statistics X-CLIP's processor normalises with (DESIGN.md preprocessing contract). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** Per-channel (R, G, B) statistics frames are normalised with: a model's manifest says which. */
export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export const IMAGENET_NORMALIZATION: Normalization = { mean: IMAGENET_MEAN, std: IMAGENET_STD };

/** Widest aspect ratio accepted: beyond it a frame resized to the shorter side would be absurdly long. */
const MAX_ASPECT_RATIO = 32;

/**
 * Size after resizing the shorter side to `shortSide`, the longer side truncated as Hugging Face's
 * `get_resize_output_image_size(..., default_to_square=False)` does.
 */
export function resizedSize(width: number, height: number, shortSide: number): FrameSize {
  const short = Math.min(width, height);
  const long = Math.trunc((shortSide * Math.max(width, height)) / short);
  return width <= height ? { width: shortSide, height: long } : { width: long, height: shortSide };
}

/** resizedSize, refusing aspect ratios so extreme the resized frame would not fit in memory. */
export function sampledFrameSize(path: string, display: FrameSize, shortSide: number): FrameSize {
  const aspect = Math.max(display.width, display.height) / Math.min(display.width, display.height);
  if (aspect > MAX_ASPECT_RATIO) {
    throw new VideoTooLargeError(
      path,
      `display aspect ratio ${display.width}:${display.height} is beyond ${MAX_ASPECT_RATIO}:1`,
    );
  }
  return resizedSize(display.width, display.height, shortSide);
}

/** Where a square crop sits along the longer side: start (left/top), center, or end (right/bottom). */
export type CropPosition = 'start' | 'center' | 'end';

/** Top-left corner of a `size` square crop; `center` rounds down like Hugging Face's center_crop. */
export function cropOrigin(frame: FrameSize, size: number, position: CropPosition): { left: number; top: number } {
  const offset = (extent: number): number => {
    if (position === 'start') return 0;
    if (position === 'end') return extent - size;
    return Math.floor((extent - size) / 2);
  };
  return { left: offset(frame.width), top: offset(frame.height) };
}

/**
 * Crops each RGB frame to `size` x `size` and lays them out as the model's pixel_values: float32
 * [T, 3, size, size], scaled to [0, 1] and normalised (by default with the ImageNet mean and std).
 */
export function toPixelValues(
  frames: readonly Uint8Array[],
  frame: FrameSize,
  size: number,
  position: CropPosition = 'center',
  { mean, std }: Normalization = IMAGENET_NORMALIZATION,
): Float32Array {
  if (frame.width < size || frame.height < size)
    throw new RangeError(`a ${frame.width}x${frame.height} frame cannot hold a ${size}x${size} crop`);
  const { left, top } = cropOrigin(frame, size, position);
  const plane = size * size;
  const out = new Float32Array(frames.length * 3 * plane);
  // Channel by channel, so that each output plane is written in order.
  frames.forEach((rgb, t) => {
    for (let c = 0; c < 3; c++) {
      const scale = 1 / (255 * std[c]!);
      const shift = mean[c]! / std[c]!;
      let to = (t * 3 + c) * plane;
      for (let y = 0; y < size; y++) {
        let from = ((top + y) * frame.width + left) * 3 + c;
        for (let x = 0; x < size; x++, from += 3) out[to++] = rgb[from]! * scale - shift;
      }
    }
  });
  return out;
}
