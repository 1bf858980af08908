import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFFmpegInfo } from 'node-av/lib';
import {
  DEFAULT_MEDIA_LIMITS,
  type DecoderKind,
  defaultDecoder,
  type MediaTools,
  mediaTools,
  type SyntheticStream,
  sampleFrames,
  writeRepeatedVideo,
  writeSyntheticFile,
} from '../media/index.js';
import { type Timing, timeRuns } from './timing.js';

export type BenchmarkCodec = 'h264' | 'hevc' | 'vp9';

export interface DecodeBenchmarkOptions {
  /** Where generated videos are kept between runs; defaults to a folder under the temp directory. */
  cacheDir?: string;
  codecs?: BenchmarkCodec[];
  durationsSeconds?: number[];
  frames?: number;
  size?: number;
  /** Timed runs per video and mode (after one untimed warm-up). */
  repeats?: number;
  /** Also the phone-like 10 s 1080p H.264 clip (default: yes). */
  phoneClip?: boolean;
  /**
   * With H.264 among the codecs, also 720p H.264 encoded as cameras do (CABAC, deblocking, B-frames) at each
   * duration, beside the fastest-decoding one (default: yes): the fair yardstick for HEVC and VP9.
   */
  cameraEncodedH264?: boolean;
  /** Which decoder to time (default: XCLIP_DECODER, else in-process). */
  decoder?: DecoderKind;
  /** Told before each slow step (generating a video), for progress output. */
  onProgress?: (message: string) => void;
  tools?: MediaTools;
}

export interface DecodeBenchmarkCase {
  codec: BenchmarkCodec;
  durationSeconds: number;
  format: BenchmarkFormat;
  file: string;
  fileBytes: number;
  /** Bytes the in-process decoder read for one default sampling (undefined with the ffmpeg decoder). */
  bytesRead: number | undefined;
  /** Default sampling: the cheapest frame inside each segment. */
  sampled: Timing;
  /** `exact`: segment midpoints. */
  exact: Timing;
}

export interface DecodeBenchmarkResult {
  decoder: DecoderKind;
  ffmpegVersion: string;
  video: BenchmarkFormat;
  frames: number;
  size: number;
  cases: DecodeBenchmarkCase[];
}

/** Size, rate and GOP of a generated benchmark video. */
export interface BenchmarkFormat {
  width: number;
  height: number;
  fps: number;
  gopFrames: number;
  /** H.264 with CABAC, deblocking and B-frames as phones record, rather than the fastest-decoding settings. */
  phoneLike: boolean;
}

/** The benchmark videos' format. */
export const BENCHMARK_VIDEO: BenchmarkFormat = { width: 1280, height: 720, fps: 25, gopFrames: 250, phoneLike: false };

/** The benchmark videos' size, rate and GOP, encoded with a camera's H.264 settings. */
export const CAMERA_ENCODED_VIDEO: BenchmarkFormat = { ...BENCHMARK_VIDEO, phoneLike: true };

/** What a phone records: 1080p30, a keyframe a second, B-frames. */
export const PHONE_VIDEO: BenchmarkFormat = { width: 1920, height: 1080, fps: 30, gopFrames: 30, phoneLike: true };

/** Encoder settings per codec: fixed GOP of `gopFrames`, no scene-cut keyframes, fastest presets (content is synthetic). */
const ENCODERS: Record<
  BenchmarkCodec,
  { extension: string; stream: (format: BenchmarkFormat) => Omit<SyntheticStream, 'source'> }
> = {
  h264: {
    extension: 'mp4',
    stream: ({ gopFrames, phoneLike }) => ({
      encoder: 'libx264',
      options: {
        ...(phoneLike ? { preset: 'veryfast', profile: 'high', bf: '3' } : { preset: 'ultrafast' }),
        g: String(gopFrames),
        keyint_min: String(gopFrames),
        sc_threshold: '0',
      },
    }),
  },
  hevc: {
    extension: 'mp4',
    stream: ({ gopFrames }) => ({
      encoder: 'libx265',
      options: {
        preset: 'ultrafast',
        'x265-params': `keyint=${gopFrames}:min-keyint=${gopFrames}:scenecut=0:log-level=error`,
      },
      codecTag: 'hvc1',
    }),
  },
  vp9: {
    extension: 'webm',
    stream: ({ gopFrames }) => ({
      encoder: 'libvpx-vp9',
      options: {
        deadline: 'realtime',
        'cpu-used': '8',
        b: '2M',
        g: String(gopFrames),
        keyint_min: String(gopFrames),
      },
    }),
  },
};

/**
 * Longer videos (hours) are copies of a 10 s piece put back to back without re-encoding: encoding an hour of
 * 1080p takes longer than the benchmark. The piece is whole GOPs in every format here, so keyframes and B-frames
 * fall as in one long encoding; only the picture repeats.
 */
const LONGEST_ENCODED_SECONDS = 600;
const REPEATED_PIECE_SECONDS = 10;

const DEFAULT_BENCHMARK_CACHE_DIR = join(tmpdir(), 'xclip-decode-bench');

/**
 * A benchmark video of `codec` lasting `seconds` (720p GOP 250 unless `format` says otherwise), generated with
 * FFmpeg's libraries in process on first use and cached; above LONGEST_ENCODED_SECONDS, copies of a 10 s one.
 */
export function benchmarkVideo(
  codec: BenchmarkCodec,
  seconds: number,
  options: {
    cacheDir?: string;
    onProgress?: (message: string) => void;
    format?: BenchmarkFormat;
  } = {},
): string {
  const format = options.format ?? BENCHMARK_VIDEO;
  const { extension, stream } = ENCODERS[codec];
  const cacheDir = options.cacheDir ?? DEFAULT_BENCHMARK_CACHE_DIR;
  const path = join(
    cacheDir,
    `${codec}-${format.width}x${format.height}-gop${format.gopFrames}${format.phoneLike ? '-phone' : ''}-${seconds}s.${extension}`,
  );
  if (existsSync(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${path}.partial.${extension}`;
  if (seconds > LONGEST_ENCODED_SECONDS) {
    if (seconds % REPEATED_PIECE_SECONDS !== 0)
      throw new RangeError(
        `a video longer than ${LONGEST_ENCODED_SECONDS} s must last a multiple of ${REPEATED_PIECE_SECONDS} s`,
      );
    const piece = benchmarkVideo(codec, REPEATED_PIECE_SECONDS, options);
    options.onProgress?.(`writing ${path} (${seconds / REPEATED_PIECE_SECONDS} copies of ${piece})`);
    writeRepeatedVideo(piece, seconds / REPEATED_PIECE_SECONDS, partial);
    renameSync(partial, path);
    return path;
  }
  options.onProgress?.(`generating ${path}`);
  writeSyntheticFile(partial, {
    streams: [
      {
        source: `testsrc2=size=${format.width}x${format.height}:rate=${format.fps},trim=duration=${seconds},format=yuv420p`,
        ...stream(format),
      },
    ],
  });
  renameSync(partial, path);
  return path;
}

/** The decoder's FFmpeg: the linked libraries in process, else the command-line tool's banner. */
function decoderVersion(decoder: DecoderKind, tools: MediaTools): string {
  if (decoder === 'in-process') return `FFmpeg ${getFFmpegInfo().version} (in process, node-av)`;
  return execFileSync(tools.ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0]!;
}

/**
 * Milliseconds to sample T frames (probe, stream index and decode, as classify does) from 720p videos of each
 * codec and duration, and from a phone-like 10 s 1080p H.264 one, generated on first use and cached.
 */
export async function benchmarkDecode(options: DecodeBenchmarkOptions = {}): Promise<DecodeBenchmarkResult> {
  const tools = options.tools ?? mediaTools();
  const decoder = options.decoder ?? defaultDecoder();
  const frames = options.frames ?? 8;
  const size = options.size ?? 224;
  const repeats = options.repeats ?? 3;
  const videos: { codec: BenchmarkCodec; durationSeconds: number; format: BenchmarkFormat }[] = [];
  for (const codec of options.codecs ?? ['h264', 'hevc', 'vp9']) {
    for (const durationSeconds of options.durationsSeconds ?? [10, 60, 600]) {
      videos.push({ codec, durationSeconds, format: BENCHMARK_VIDEO });
      if (codec === 'h264' && (options.cameraEncodedH264 ?? true))
        videos.push({ codec, durationSeconds, format: CAMERA_ENCODED_VIDEO });
    }
  }
  if (options.phoneClip ?? true) videos.push({ codec: 'h264', durationSeconds: 10, format: PHONE_VIDEO });
  const cases: DecodeBenchmarkCase[] = [];
  for (const { codec, durationSeconds, format } of videos) {
    const file = benchmarkVideo(codec, durationSeconds, {
      cacheDir: options.cacheDir,
      onProgress: options.onProgress,
      format,
    });
    const fileBytes = statSync(file).size;
    // The hours-long videos pass the default size bound; the suite times decoding, not the bound.
    const limits = { maxFileBytes: Math.max(fileBytes, DEFAULT_MEDIA_LIMITS.maxFileBytes) };
    const sample = (exact: boolean) => () => sampleFrames(file, { frames, size, exact, tools, decoder, limits });
    cases.push({
      codec,
      durationSeconds,
      format,
      file,
      fileBytes,
      bytesRead: (await sample(false)()).bytesRead,
      sampled: await timeRuns(repeats, sample(false)),
      exact: await timeRuns(repeats, sample(true)),
    });
  }
  return { decoder, ffmpegVersion: decoderVersion(decoder, tools), video: BENCHMARK_VIDEO, frames, size, cases };
}

/** How much longer HEVC or VP9 takes to sample than H.264 of the same duration, each way H.264 was encoded. */
export interface CodecRatio {
  codec: Exclude<BenchmarkCodec, 'h264'>;
  durationSeconds: number;
  /** Over the fastest-decoding H.264 (CAVLC, no deblocking, no B-frames); undefined without that case. */
  overFastestH264: number | undefined;
  /** Over H.264 encoded as cameras do; undefined without that case. */
  overCameraH264: number | undefined;
}

/** Median default-sampling time of each 720p HEVC and VP9 case over the 720p H.264 cases of its duration. */
export function codecRatios(cases: readonly DecodeBenchmarkCase[]): CodecRatio[] {
  const at720p = cases.filter((c) => c.format.height === BENCHMARK_VIDEO.height);
  const h264 = (durationSeconds: number, phoneLike: boolean) =>
    at720p.find((c) => c.codec === 'h264' && c.durationSeconds === durationSeconds && c.format.phoneLike === phoneLike)
      ?.sampled.medianMs;
  const ratio = (ms: number, over: number | undefined) => (over === undefined ? undefined : ms / over);
  return at720p.flatMap((c) =>
    c.codec === 'h264'
      ? []
      : [
          {
            codec: c.codec,
            durationSeconds: c.durationSeconds,
            overFastestH264: ratio(c.sampled.medianMs, h264(c.durationSeconds, false)),
            overCameraH264: ratio(c.sampled.medianMs, h264(c.durationSeconds, true)),
          },
        ],
  );
}
