import { FilterAPI } from 'node-av/api';
import type { Frame } from 'node-av/lib';
import type { FrameSize } from './decode.js';

/**
 * A filter chain run inside the process on decoded frames: the same FFmpeg filters the command-line path names,
 * so both give the same pixels. One graph serves every frame of a video; FFmpeg rebuilds it when a frame's size
 * or format changes.
 */
export class FrameChain {
  readonly #filter: FilterAPI;

  constructor(description: string, threads: number) {
    this.#filter = FilterAPI.create(description, { threads });
  }

  /** Frames out for one frame in (none while a filter such as yadif waits for the next). */
  push(frame: Frame): Promise<Frame[]> {
    return this.#filter.processAll(frame);
  }

  /** What the chain still holds once its input has ended. */
  async drain(): Promise<Frame[]> {
    const frames: Frame[] = [];
    for await (const frame of this.#filter.flushFrames()) frames.push(frame);
    return frames;
  }

  close(): void {
    this.#filter.close();
  }
}

/** An RGB24 frame as tightly packed rows (FFmpeg pads each row to its line size). */
export function packedRgb(frame: Frame, size: FrameSize): Uint8Array {
  const plane = frame.data?.[0];
  const stride = frame.linesize[0] ?? 0;
  const row = size.width * 3;
  if (!plane || frame.width !== size.width || frame.height !== size.height) {
    throw new RangeError(`filters gave a ${frame.width}x${frame.height} frame, not ${size.width}x${size.height}`);
  }
  if (stride === row) return new Uint8Array(plane.buffer, plane.byteOffset, row * size.height).slice();
  const packed = new Uint8Array(row * size.height);
  for (let y = 0; y < size.height; y++) packed.set(plane.subarray(y * stride, y * stride + row), y * row);
  return packed;
}
