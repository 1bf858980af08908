import { clipSegments, type TimeSpan, timelineWindows, uniformSegments } from './plan.js';
import { type CropPosition, type Normalization, toPixelValues } from './preprocess.js';
import { type SampledFrames, type SampleOptions, sampleSegments } from './sample.js';

export interface FrameRequest extends SampleOptions {
  /** T: frames per clip (the model's `num_frames`). */
  frames: number;
  /** The model's normalisation (its manifest's preprocessing); default ImageNet's. */
  normalization?: Normalization;
}

/** Model input for one view of a video: pixel_values [T, 3, size, size] and where its frames come from. */
export interface PixelView {
  pixelValues: Float32Array;
  shape: [number, number, number, number];
  /** Seconds from the video stream's first frame. */
  times: number[];
}

function view(sampled: SampledFrames, from: number, request: FrameRequest, position: CropPosition): PixelView {
  const { frames: count, size, normalization } = request;
  const frames = sampled.frames.slice(from, from + count);
  return {
    pixelValues: toPixelValues(frames, sampled.frameSize, size, position, normalization),
    shape: [count, 3, size, size],
    times: sampled.times.slice(from, from + count),
  };
}

/** T frames, one per equal segment of the video stream, not yet cropped. */
export function sampleFrames(path: string, request: FrameRequest): Promise<SampledFrames> {
  return sampleSegments(path, (span) => uniformSegments(span, request.frames), request);
}

/** The single-view model input: T frames, center-cropped and normalised (what `xclip classify` feeds the model). */
export async function readPixelValues(
  path: string,
  request: FrameRequest,
): Promise<PixelView & { sampled: SampledFrames }> {
  const sampled = await sampleFrames(path, request);
  return { ...view(sampled, 0, request, 'center'), sampled };
}

export interface MultiViewRequest extends FrameRequest {
  /** Temporal clips C: each takes a different part of every segment. */
  clips: number;
  /** Spatial crops: 1 (center) or 3 (start, center, end of the longer side, as X-CLIP's ThreeCrop). */
  crops: 1 | 3;
}

const CROP_POSITIONS: Record<1 | 3, CropPosition[]> = { 1: ['center'], 3: ['start', 'center', 'end'] };

/** C temporal clips x crops spatial views, clip by clip, crop by crop within a clip; the model's logits over them are averaged. */
export async function readMultiView(
  path: string,
  request: MultiViewRequest,
): Promise<{ views: PixelView[]; sampled: SampledFrames }> {
  const sampled = await sampleSegments(path, (span) => clipSegments(span, request.frames, request.clips), request);
  const views = Array.from({ length: request.clips }, (_, c) =>
    CROP_POSITIONS[request.crops].map((position) => view(sampled, c * request.frames, request, position)),
  ).flat();
  return { views, sampled };
}

export interface TimelineRequest extends FrameRequest {
  /** Length S of each timeline window, seconds. */
  windowSeconds: number;
}

export interface TimelineWindow extends PixelView {
  /** Seconds from the video stream's first frame. */
  start: number;
  end: number;
}

/** One T-frame model input per S-second window, for a timeline of what happens when. */
export async function readTimeline(path: string, request: TimelineRequest): Promise<TimelineWindow[]> {
  let windows: TimeSpan[] = [];
  const sampled = await sampleSegments(
    path,
    (span) => {
      windows = timelineWindows(span, request.windowSeconds);
      return windows.flatMap((window) => uniformSegments(window, request.frames));
    },
    request,
  );
  const origin = sampled.probe.stream.start;
  return windows.map((window, w) => ({
    ...view(sampled, w * request.frames, request, 'center'),
    start: window.start - origin,
    end: window.end - origin,
  }));
}
