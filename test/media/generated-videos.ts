import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Small videos the media tests make with ffmpeg, cached under the temp directory across runs. */
const CACHE_DIR = join(tmpdir(), 'xclip-media-test-videos-v1');

function ffmpeg(args: string[]): void {
  execFileSync(process.env.FFMPEG_PATH || 'ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
}

/** Path of `name` in the cache, made by `make(path)` the first time. */
function cached(name: string, make: (path: string) => void): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, name);
  if (!existsSync(path)) {
    const partial = `${path}.partial${process.pid}${name.slice(name.lastIndexOf('.'))}`;
    make(partial);
    renameSync(partial, path);
  }
  return path;
}

/** Overwrites the matrix of the first track header (tkhd, version 0) of an MP4 file. */
function writeDisplayMatrix(path: string, matrix: number[]): void {
  const bytes = readFileSync(path);
  const header = bytes.indexOf('tkhd');
  if (header < 0 || bytes[header + 4] !== 0) throw new Error(`no version-0 tkhd box in ${path}`);
  // Box type, then version/flags, times, track id, reserved, duration, reserved, layer, group, volume, reserved.
  const matrixOffset = header + 4 + 4 + 4 * 5 + 8 + 8;
  matrix.forEach((value, i) => {
    bytes.writeInt32BE(value, matrixOffset + 4 * i);
  });
  writeFileSync(path, bytes);
}

const TEST_PATTERN = 'testsrc2=size=64x48:rate=25';
const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

export const videos = {
  /** 2 s, 64x48, keyframe every 10 frames. */
  basic: () =>
    cached('basic.mp4', (p) => ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '2', ...X264, '-g', '10', p])),
  /** 2 s with a single keyframe at the start. */
  oneKeyframe: () =>
    cached('one-keyframe.mp4', (p) =>
      ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '2', ...X264, '-g', '1000', '-sc_threshold', '0', p]),
    ),
  /** 4 s of 640x360 noise, a keyframe a second: megabytes, so a reader makes many reads (256 KiB each). */
  manyReads: () =>
    cached('many-reads-gop25.mp4', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'nullsrc=size=640x360:rate=25,geq=random(1)*255:128:128',
        '-t',
        '4',
        ...X264,
        '-g',
        '25',
        p,
      ]),
    ),
  singleFrame: () =>
    cached('single-frame.mp4', (p) => ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-frames:v', '1', ...X264, p])),
  threeFrames: () =>
    cached('three-frames.mp4', (p) =>
      ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=2', '-frames:v', '3', ...X264, p]),
    ),
  /** The track's display matrix turns the 64x48 picture 90 degrees clockwise, as phones write it. */
  rotated90: () =>
    cached('rotated90.mp4', (p) => {
      ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '1', ...X264, p]);
      writeDisplayMatrix(p, [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000]);
    }),
  /** Pixels twice as wide as tall. */
  sar2: () =>
    cached('sar2.mp4', (p) => ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '1', '-vf', 'setsar=2', ...X264, p])),
  /** Matroska content under an .mp4 name. */
  wrongExtension: () =>
    cached('matroska-inside.mp4', (p) =>
      ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '1', ...X264, '-f', 'matroska', p]),
    ),
  audioOnly: () =>
    cached('audio-only.m4a', (p) => ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', p])),
  /** Audio with a cover picture: a video stream that is not a video. */
  coverArtOnly: () =>
    cached('cover-art.mp3', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:duration=1',
        '-f',
        'lavfi',
        '-i',
        'color=red:size=64x64:duration=0.04',
        '-map',
        '0',
        '-map',
        '1',
        '-c:a',
        'libmp3lame',
        '-c:v',
        'mjpeg',
        '-disposition:v',
        'attached_pic',
        p,
      ]),
    ),
  /** A real video plus a cover picture larger than it. */
  videoWithCoverArt: () =>
    cached('video-with-cover.mp4', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'color=red:size=128x128:duration=0.04',
        '-f',
        'lavfi',
        '-i',
        `${TEST_PATTERN}:duration=1`,
        '-map',
        '0:v',
        '-map',
        '1:v',
        '-c:v:0',
        'mjpeg',
        '-disposition:v:0',
        'attached_pic',
        '-c:v:1',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        p,
      ]),
    ),
  /** Audio from 0 s, video only from about 1 s (Matroska keeps the offset; ffmpeg's MP4 muxer would not). */
  lateVideo: () =>
    cached('late-video.mkv', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'sine=duration=3',
        '-itsoffset',
        '1',
        '-f',
        'lavfi',
        '-i',
        `${TEST_PATTERN}:duration=2`,
        '-map',
        '0:a',
        '-map',
        '1:v',
        '-c:a',
        'aac',
        ...X264,
        p,
      ]),
    ),
  /** MPEG-TS whose clock starts at 1000 s. */
  farTimestamps: () =>
    cached('far-timestamps.ts', (p) =>
      ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '2', ...X264, '-g', '10', '-output_ts_offset', '1000', p]),
    ),
  /** Left half fully transparent. */
  alpha: () =>
    cached('alpha.mov', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        `${TEST_PATTERN},format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,32),0,255)'`,
        '-t',
        '0.4',
        '-c:v',
        'png',
        p,
      ]),
    ),
  tenBit: () =>
    cached('ten-bit.mkv', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        TEST_PATTERN,
        '-t',
        '1',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p10le',
        p,
      ]),
    ),
  interlaced: () =>
    cached('interlaced.ts', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=64x48:rate=25',
        '-t',
        '1',
        ...X264,
        '-flags',
        '+ildct+ilme',
        '-x264opts',
        'tff=1',
        p,
      ]),
    ),
  /** A detailed picture for resize accuracy: one frame, so every sample is the same picture. */
  detailedFrame: () =>
    cached('detailed-frame.mp4', (p) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'mandelbrot=size=640x360:rate=1',
        '-frames:v',
        '1',
        '-c:v',
        'libx264',
        '-crf',
        '12',
        '-pix_fmt',
        'yuv420p',
        p,
      ]),
    ),
  /** The first 40% of an MP4 whose index sits in front (faststart), so the index promises data the file lacks. */
  truncated: () =>
    cached('truncated.mp4', (p) => {
      const whole = `${p}.whole.mp4`;
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x240:rate=25',
        '-t',
        '4',
        ...X264,
        '-g',
        '25',
        '-movflags',
        '+faststart',
        whole,
      ]);
      const bytes = readFileSync(whole);
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
      rmSync(whole);
    }),
  /** An MP4 cut before its index (moov at the end) was written. */
  missingIndex: () =>
    cached('missing-index.mp4', (p) => {
      const whole = `${p}.whole.mp4`;
      ffmpeg(['-f', 'lavfi', '-i', TEST_PATTERN, '-t', '2', ...X264, whole]);
      const bytes = readFileSync(whole);
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
      rmSync(whole);
    }),
  empty: () => cached('empty.webm', (p) => writeFileSync(p, '')),
  text: () => cached('notes.mp4', (p) => writeFileSync(p, 'these are meeting notes, not a video\n'.repeat(50))),
  stillImage: () =>
    cached('still.png', (p) => ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1', p])),
};

/** Decodes one frame at full size as RGB with ffmpeg (its own autorotation applied), for comparisons. */
export function ffmpegFrame(path: string, filters = 'null'): Buffer {
  return execFileSync(
    process.env.FFMPEG_PATH || 'ffmpeg',
    ['-v', 'error', '-i', path, '-frames:v', '1', '-vf', filters, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 1 << 28 },
  );
}

export function meanAbsoluteError(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
