import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MediaTools, mediaTools, sampleFrames } from '../media/index.js';
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
  /** Told before each slow step (generating a video), for progress output. */
  onProgress?: (message: string) => void;
  tools?: MediaTools;
}

export interface DecodeBenchmarkCase {
  codec: BenchmarkCodec;
  durationSeconds: number;
  file: string;
  fileBytes: number;
  /** Default sampling: the cheapest frame inside each segment. */
  sampled: Timing;
  /** `exact`: segment midpoints. */
  exact: Timing;
}

export interface DecodeBenchmarkResult {
  ffmpegVersion: string;
  video: { width: number; height: number; fps: number; gopFrames: number };
  frames: number;
  size: number;
  cases: DecodeBenchmarkCase[];
}

/** The benchmark videos' format. */
export const BENCHMARK_VIDEO = { width: 1280, height: 720, fps: 25, gopFrames: 250 };

/** Encoder settings per codec: fixed GOP of `gopFrames`, no scene-cut keyframes, fastest presets (content is synthetic). */
const ENCODERS: Record<BenchmarkCodec, { extension: string; args: string[] }> = {
  h264: {
    extension: 'mp4',
    args: [
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      String(BENCHMARK_VIDEO.gopFrames),
      '-keyint_min',
      String(BENCHMARK_VIDEO.gopFrames),
      '-sc_threshold',
      '0',
      '-pix_fmt',
      'yuv420p',
    ],
  },
  hevc: {
    extension: 'mp4',
    args: [
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      `keyint=${BENCHMARK_VIDEO.gopFrames}:min-keyint=${BENCHMARK_VIDEO.gopFrames}:scenecut=0:log-level=error`,
      '-tag:v',
      'hvc1',
      '-pix_fmt',
      'yuv420p',
    ],
  },
  vp9: {
    extension: 'webm',
    args: [
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '2M',
      '-g',
      String(BENCHMARK_VIDEO.gopFrames),
      '-keyint_min',
      String(BENCHMARK_VIDEO.gopFrames),
      '-pix_fmt',
      'yuv420p',
    ],
  },
};

const DEFAULT_BENCHMARK_CACHE_DIR = join(tmpdir(), 'xclip-decode-bench');

/** A 720p benchmark video of `codec` lasting `seconds` (GOP 250), generated with ffmpeg on first use and cached. */
export function benchmarkVideo(
  codec: BenchmarkCodec,
  seconds: number,
  options: { cacheDir?: string; tools?: MediaTools; onProgress?: (message: string) => void } = {},
): string {
  const { extension, args } = ENCODERS[codec];
  const cacheDir = options.cacheDir ?? DEFAULT_BENCHMARK_CACHE_DIR;
  const path = join(
    cacheDir,
    `${codec}-${BENCHMARK_VIDEO.width}x${BENCHMARK_VIDEO.height}-gop${BENCHMARK_VIDEO.gopFrames}-${seconds}s.${extension}`,
  );
  if (existsSync(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  options.onProgress?.(`generating ${path}`);
  const partial = `${path}.partial.${extension}`;
  execFileSync(
    (options.tools ?? mediaTools()).ffmpeg,
    [
      '-hide_banner',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${BENCHMARK_VIDEO.width}x${BENCHMARK_VIDEO.height}:rate=${BENCHMARK_VIDEO.fps}`,
      '-t',
      String(seconds),
      ...args,
      partial,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  renameSync(partial, path);
  return path;
}

/**
 * Milliseconds to sample T frames (probe, stream index and decode, as classify does) from 720p videos of each
 * codec and duration, generated with ffmpeg on first use and cached.
 */
export async function benchmarkDecode(options: DecodeBenchmarkOptions = {}): Promise<DecodeBenchmarkResult> {
  const tools = options.tools ?? mediaTools();
  const frames = options.frames ?? 8;
  const size = options.size ?? 224;
  const repeats = options.repeats ?? 3;
  const cases: DecodeBenchmarkCase[] = [];
  for (const codec of options.codecs ?? ['h264', 'hevc', 'vp9']) {
    for (const durationSeconds of options.durationsSeconds ?? [10, 60, 600]) {
      const file = benchmarkVideo(codec, durationSeconds, {
        cacheDir: options.cacheDir,
        tools,
        onProgress: options.onProgress,
      });
      const sample = (exact: boolean) => () => sampleFrames(file, { frames, size, exact, tools });
      cases.push({
        codec,
        durationSeconds,
        file,
        fileBytes: statSync(file).size,
        sampled: await timeRuns(repeats, sample(false)),
        exact: await timeRuns(repeats, sample(true)),
      });
    }
  }
  const ffmpegVersion = execFileSync(tools.ffmpeg, ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0]!;
  return { ffmpegVersion, video: BENCHMARK_VIDEO, frames, size, cases };
}
