import type { ByteSource } from './byte-source.js';
import { openCommandLineReader } from './cli-reader.js';
import type { FrameSize } from './decode.js';
import { openPooledReader } from './decoder-pool.js';
import { CorruptVideoError } from './errors.js';
import { type MediaLimits, resolveLimits } from './limits.js';
import { indexQueryTimes, planRuns, type SeekPrecision, type TimeSpan } from './plan.js';
import { sampledFrameSize } from './preprocess.js';
import type { VideoProbe } from './probe.js';
import type { StreamIndex } from './stream-index.js';
import { type MediaTools, mediaTools } from './tools.js';
import { type DecoderKind, defaultDecoder, type VideoReader } from './video-reader.js';

export interface SampleOptions {
  /** Shorter side of the returned frames, in pixels (the model's input size). */
  size: number;
  /** Take each segment's midpoint (the model card's sampling) rather than its cheapest frame. */
  exact?: boolean;
  limits?: Partial<MediaLimits>;
  tools?: MediaTools;
  /** The file's probe, where an earlier sampling of the same file made one: it is not probed again. */
  probe?: VideoProbe;
  /** Which decoder reads the video (default: XCLIP_DECODER, else in-process). */
  decoder?: DecoderKind;
  /** With the in-process decoder: where the video's bytes come from (default: the local file `path`). */
  source?: ByteSource;
}

/** Frames standing for the segments of a video, RGB in display geometry with the shorter side resized. */
export interface SampledFrames {
  probe: VideoProbe;
  /** Every frame's size: the display size scaled so its shorter side is `size`. */
  frameSize: FrameSize;
  /** One interleaved RGB frame per segment, in segment order. */
  frames: Uint8Array[];
  /** Each segment's sample time, seconds from the video stream's first frame (the frame is the first shown at or after it). */
  times: number[];
  /** The part of the video the segments cover, seconds from the stream's first frame. */
  span: TimeSpan;
  /** Bytes read from the video, where the decoder reads them itself (in-process). */
  bytesRead: number | undefined;
}

/** Lays segments over the video's playable span (seconds on the file's clock). */
export type SegmentLayout = (span: TimeSpan) => TimeSpan[];

/** Containers with a keyframe index, where a seek lands exactly on the keyframe at or before the time. */
const INDEXED_CONTAINERS = /^(mov,mp4|matroska|avi$)/;

function seekPrecision(container: string): SeekPrecision {
  return INDEXED_CONTAINERS.test(container) ? 'keyframe' : 'approximate';
}

/** Below this share of its declared length readable, a video counts as truncated rather than slightly short. */
const MIN_READABLE_SHARE = 0.5;

/**
 * The stretch of the stream that can really be read: the declared duration, cut at the last frame the file
 * holds. A file holding less than half of what it declares is truncated beyond use.
 */
function playableSpan(probe: VideoProbe, index: StreamIndex): TimeSpan {
  const { start, duration } = probe.stream;
  const last = index.lastFrame;
  if (!last) throw new CorruptVideoError(probe.path, 'no video packet can be read from it');
  if (!Number.isFinite(duration)) return { start, end: last.end };
  if (last.end - start < duration * MIN_READABLE_SHARE) {
    throw new CorruptVideoError(
      probe.path,
      `truncated: it declares ${duration.toFixed(2)} s of video but seeks find none past ${(last.end - start).toFixed(2)} s`,
    );
  }
  return { start, end: Math.min(start + duration, last.end) };
}

/** Fills segments ffmpeg produced no frame for with the nearest decoded one; too many gaps mean the data is damaged. */
function completeFrames(path: string, decoded: Map<number, Uint8Array | undefined>, count: number): Uint8Array[] {
  const found = Array.from({ length: count }, (_, i) => decoded.get(i));
  const present = found.flatMap((frame, i) => (frame ? [i] : []));
  if (present.length * 2 < count)
    throw new CorruptVideoError(path, `only ${present.length} of ${count} sample frames could be decoded`);
  return found.map(
    (frame, i) => frame ?? found[present.reduce((best, p) => (Math.abs(p - i) < Math.abs(best - i) ? p : best))]!,
  );
}

function openReader(path: string, options: SampleOptions, limits: MediaLimits): Promise<VideoReader> {
  if ((options.decoder ?? defaultDecoder()) === 'ffmpeg')
    return openCommandLineReader(path, limits, options.tools ?? mediaTools(), options.probe);
  return openPooledReader(path, limits, { source: options.source, probe: options.probe });
}

/**
 * Probes `path`, lays segments over its playable span with `layout`, and decodes one frame per segment: a cheap
 * one anywhere inside it (a keyframe, else its first frame), or its midpoint with `exact`. The in-process decoder
 * does it all through one demuxer; the ffmpeg one with three tool runs (ffprobe for the streams, ffprobe for the
 * keyframes near each segment, and the decode, split over two concurrent ffmpeg processes where there are cores).
 */
export async function sampleSegments(
  path: string,
  layout: SegmentLayout,
  options: SampleOptions,
): Promise<SampledFrames> {
  const limits = resolveLimits(options.limits);
  const reader = await openReader(path, options, limits);
  try {
    const { probe } = reader;
    const frameSize = sampledFrameSize(
      path,
      { width: probe.stream.displayWidth, height: probe.stream.displayHeight },
      options.size,
    );
    const { start, duration } = probe.stream;
    const declared = Number.isFinite(duration) ? layout({ start, end: start + duration }) : [];
    // Without a declared duration the whole stream index is read to find where the video ends.
    const index = await reader.index(indexQueryTimes(declared));
    const span = playableSpan(probe, index);
    const segments = span.end === start + duration ? declared : layout(span);
    const runs = planRuns(segments, index, {
      exact: options.exact ?? false,
      precision: seekPrecision(probe.container),
    });
    const decoded = await reader.decode(runs, frameSize);
    const times = new Array<number>(segments.length);
    for (const run of runs) for (const sample of run.samples) times[sample.segment] = sample.time - start;
    return {
      probe,
      frameSize,
      frames: completeFrames(path, decoded, segments.length),
      times,
      span: { start: 0, end: span.end - start },
      bytesRead: reader.bytesRead(),
    };
  } finally {
    await reader.close();
  }
}
