import type { StreamIndex } from './stream-index.js';

/** A stretch of the video's timeline, seconds on the file's clock, end exclusive. */
export interface TimeSpan {
  start: number;
  end: number;
}

/** One frame to extract: the first frame shown at or after `time` (seconds, file clock) stands for segment `segment`. */
export interface SampleTarget {
  segment: number;
  time: number;
}

/**
 * Samples served by decoding forward from one seek: ffmpeg seeks to the keyframe at or before `seekTo` and
 * decodes on until the last target, so targets that share a keyframe cost one pass.
 */
export interface DecodeRun {
  seekTo: number;
  samples: SampleTarget[];
}

/**
 * How well the container seeks. `keyframe`: a seek lands exactly on the keyframe at or before the time (an
 * index: MP4/MOV, Matroska/WebM, AVI). `approximate`: the demuxer bisects the file and may land after the
 * time (MPEG-TS/PS and other index-less formats), so runs start a pre-roll early.
 */
export type SeekPrecision = 'keyframe' | 'approximate';

export interface PlanOptions {
  /** Use segment midpoints (the model card's sampling) instead of the cheapest frame inside each segment. */
  exact: boolean;
  precision: SeekPrecision;
}

/** How far before a target an approximate seek starts: longer than the GOPs such files use (0.5 to 2 s). */
export const APPROXIMATE_SEEK_PREROLL_SECONDS = 3;

/** `count` equal consecutive segments of `span`. */
export function uniformSegments(span: TimeSpan, count: number): TimeSpan[] {
  const length = (span.end - span.start) / count;
  return Array.from({ length: count }, (_, i) => ({
    start: span.start + i * length,
    end: span.start + (i + 1) * length,
  }));
}

/**
 * Segments for `clips` temporal views of `frames` frames each: every one of the `frames` segments is split into
 * `clips` parts and clip c takes part c of each, so the clips interleave in time as X-CLIP's multi-view test
 * does. Returned clip by clip: segment c * frames + i belongs to clip c, frame i.
 */
export function clipSegments(span: TimeSpan, frames: number, clips: number): TimeSpan[] {
  const parts = uniformSegments(span, frames).map((segment) => uniformSegments(segment, clips));
  return Array.from({ length: clips }, (_, c) => parts.map((part) => part[c]!)).flat();
}

/** Consecutive windows of `seconds` covering `span`; the last one may be shorter. */
export function timelineWindows(span: TimeSpan, seconds: number): TimeSpan[] {
  const count = Math.max(1, Math.ceil((span.end - span.start) / seconds - 1e-9));
  return Array.from({ length: count }, (_, i) => ({
    start: span.start + i * seconds,
    end: Math.min(span.start + (i + 1) * seconds, span.end),
  }));
}

/** Times at which the stream index is asked for the keyframe at or before: each segment's midpoint and end. */
export function indexQueryTimes(segments: readonly TimeSpan[]): number[] {
  // Just before the end, so the answer is the last keyframe inside the segment rather than the next one's first.
  const times = segments.flatMap((s) => [(s.start + s.end) / 2, s.end - Math.min(1e-3, (s.end - s.start) / 4)]);
  return [...new Set(times)].sort((a, b) => a - b);
}

/** Last entry of sorted `values` at or before `limit`. */
function lastAtOrBefore(values: readonly number[], limit: number): number | undefined {
  let found: number | undefined;
  for (const value of values) {
    if (value > limit) break;
    found = value;
  }
  return found;
}

interface Choice extends SampleTarget {
  /**
   * The target is the segment's start only because it is the cheapest frame to reach; when a later target
   * shares the run, any frame of the segment costs nothing more, so the midpoint is taken instead.
   */
  movable: boolean;
  midpoint: number;
}

/**
 * The cheapest frame of a segment: a keyframe inside it (the one nearest the midpoint) costs one decoded frame;
 * without one, the first frame of the segment costs the fewest frames decoded from the keyframe before it.
 */
function chooseTarget(segment: TimeSpan, index: number, keyframes: readonly number[], exact: boolean): Choice {
  const midpoint = (segment.start + segment.end) / 2;
  if (exact) return { segment: index, time: midpoint, movable: false, midpoint };
  const inside = keyframes.filter((k) => k >= segment.start && k < segment.end);
  if (inside.length === 0) return { segment: index, time: segment.start, movable: true, midpoint };
  const nearest = inside.reduce((best, k) => (Math.abs(k - midpoint) < Math.abs(best - midpoint) ? k : best));
  return { segment: index, time: nearest, movable: false, midpoint };
}

function finishRun(seekTo: number, choices: Choice[], latest: number): DecodeRun {
  const sorted = [...choices].sort((a, b) => a.time - b.time);
  const samples = sorted.map((choice, i) => ({
    segment: choice.segment,
    time: choice.movable && i < sorted.length - 1 ? Math.min(choice.midpoint, latest) : choice.time,
  }));
  return { seekTo, samples };
}

/** Groups targets by the keyframe they are decoded from; a target with no known keyframe before it gets its own seek. */
function keyframeRuns(choices: Choice[], keyframes: readonly number[], latest: number): DecodeRun[] {
  const byKeyframe = new Map<number, Choice[]>();
  const runs: DecodeRun[] = [];
  for (const choice of choices) {
    const keyframe = lastAtOrBefore(keyframes, choice.time);
    if (keyframe === undefined) runs.push(finishRun(choice.time, [choice], latest));
    else byKeyframe.set(keyframe, [...(byKeyframe.get(keyframe) ?? []), choice]);
  }
  for (const [keyframe, group] of byKeyframe) runs.push(finishRun(keyframe, group, latest));
  return runs.sort((a, b) => a.seekTo - b.seekTo);
}

/** Starts each run a pre-roll before its first target and merges runs whose pre-rolls overlap. */
function prerollRuns(choices: Choice[], streamStart: number): DecodeRun[] {
  const runs: DecodeRun[] = [];
  for (const choice of [...choices].sort((a, b) => a.time - b.time)) {
    const seekTo = Math.max(streamStart, choice.time - APPROXIMATE_SEEK_PREROLL_SECONDS);
    const last = runs.at(-1);
    if (last && seekTo <= last.samples.at(-1)!.time) last.samples.push({ segment: choice.segment, time: choice.time });
    else runs.push({ seekTo, samples: [{ segment: choice.segment, time: choice.time }] });
  }
  return runs;
}

/**
 * Decides which frame stands for each segment and how to reach it. Targets never pass the last frame the file
 * holds, so a segment after it (a video with fewer frames than segments) gets the last frame.
 */
export function planRuns(segments: readonly TimeSpan[], index: StreamIndex, options: PlanOptions): DecodeRun[] {
  const latest = index.lastFrame?.start ?? Number.POSITIVE_INFINITY;
  const exact = options.exact || options.precision === 'approximate';
  const choices = segments.map((segment, i) => {
    const choice = chooseTarget(segment, i, index.keyframes, exact);
    return { ...choice, time: Math.min(choice.time, latest) };
  });
  if (options.precision === 'approximate') return prerollRuns(choices, Math.min(...segments.map((s) => s.start)));
  return keyframeRuns(choices, index.keyframes, latest);
}
