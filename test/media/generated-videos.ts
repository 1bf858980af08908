import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AV_DISPOSITION_ATTACHED_PIC, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import { Codec, CodecContext, FFmpegError, FormatContext, Frame, Packet } from 'node-av/lib';
import { FrameChain, packedRgb } from '../../layers/media/rgb-frames.js';
import { type SyntheticFile, type SyntheticStream, writeSyntheticFile } from '../../layers/media/synthetic-video.js';

/**
 * Small videos the media tests make with FFmpeg's libraries in process, cached under the temp directory across
 * runs (v2: written by node-av's FFmpeg rather than the ffmpeg program).
 */
const CACHE_DIR = join(tmpdir(), 'xclip-media-test-videos-v2');

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

/** H.264 of `source` (a lavfi chain) at x264's fastest preset, as most test videos are. */
function h264(source: string, options: Record<string, string> = {}): SyntheticStream {
  return { source: `${source},format=yuv420p`, encoder: 'libx264', options: { preset: 'ultrafast', ...options } };
}

/** `name` in the cache, written from `file` the first time. */
function synthetic(name: string, file: SyntheticFile): string {
  return cached(name, (p) => writeSyntheticFile(p, file));
}

/** The test pattern for `seconds` (trim is what ffmpeg's `-t` inserts). */
const pattern = (seconds: number) => `${TEST_PATTERN},trim=duration=${seconds}`;

/** A 440 Hz tone for `seconds`, AAC. */
const SINE = (seconds: number): SyntheticStream => ({
  source: `sine=frequency=440:duration=${seconds},aformat=sample_fmts=fltp`,
  encoder: 'aac',
});

/** A red square, one JPEG picture marked as cover art. */
const coverPicture = (side: number): SyntheticStream => ({
  source: `color=red:size=${side}x${side}:duration=0.04,format=yuvj420p`,
  encoder: 'mjpeg',
  attachedPicture: true,
});

export const videos = {
  /** 2 s, 64x48, keyframe every 10 frames. */
  basic: () => synthetic('basic.mp4', { streams: [h264(pattern(2), { g: '10' })] }),
  /** 3 s at 30 fps coded as phones record: a keyframe a second, three B-frames, CABAC and deblocking. */
  phoneLike: () =>
    synthetic('phone-like.mp4', {
      streams: [
        {
          source: 'testsrc2=size=640x360:rate=30,trim=duration=3,format=yuv420p',
          encoder: 'libx264',
          options: { preset: 'veryfast', profile: 'high', bf: '3', g: '30', keyint_min: '30', sc_threshold: '0' },
        },
      ],
    }),
  /** 2 s with a single keyframe at the start. */
  oneKeyframe: () => synthetic('one-keyframe.mp4', { streams: [h264(pattern(2), { g: '1000', sc_threshold: '0' })] }),
  /** 4 s of 640x360 noise, a keyframe a second: megabytes, so a reader makes many reads (256 KiB each). */
  manyReads: () =>
    synthetic('many-reads-gop25.mp4', {
      streams: [h264('nullsrc=size=640x360:rate=25,geq=random(1)*255:128:128,trim=duration=4', { g: '25' })],
    }),
  singleFrame: () => synthetic('single-frame.mp4', { streams: [h264(`${TEST_PATTERN},trim=end_frame=1`)] }),
  threeFrames: () => synthetic('three-frames.mp4', { streams: [h264('testsrc2=size=64x48:rate=2,trim=end_frame=3')] }),
  /** The track's display matrix turns the 64x48 picture 90 degrees clockwise, as phones write it. */
  rotated90: () =>
    cached('rotated90.mp4', (p) => {
      writeSyntheticFile(p, { streams: [h264(pattern(1))] });
      writeDisplayMatrix(p, [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000]);
    }),
  /** Pixels twice as wide as tall. */
  sar2: () => synthetic('sar2.mp4', { streams: [h264(`${pattern(1)},setsar=2`)] }),
  /** Matroska content under an .mp4 name. */
  wrongExtension: () => synthetic('matroska-inside.mp4', { streams: [h264(pattern(1))], format: 'matroska' }),
  audioOnly: () => synthetic('audio-only.m4a', { streams: [SINE(1)] }),
  /** Audio with a cover picture: a video stream that is not a video. */
  coverArtOnly: () =>
    synthetic('cover-art.mp3', {
      streams: [
        {
          source: 'sine=frequency=440:duration=1:samples_per_frame=1152,aformat=sample_fmts=s16p',
          encoder: 'libmp3lame',
        },
        coverPicture(64),
      ],
    }),
  /** A real video plus a cover picture larger than it. */
  videoWithCoverArt: () => synthetic('video-with-cover.mp4', { streams: [coverPicture(128), h264(pattern(1))] }),
  /** Audio from 0 s, video only from 1 s (Matroska keeps the offset; the MP4 muxer would not). */
  lateVideo: () => synthetic('late-video.mkv', { streams: [SINE(3), { ...h264(pattern(2)), offsetSeconds: 1 }] }),
  /** MPEG-TS whose clock starts at 1000 s. */
  farTimestamps: () =>
    synthetic('far-timestamps.ts', { streams: [{ ...h264(pattern(2), { g: '10' }), offsetSeconds: 1000 }] }),
  /** Left half fully transparent. */
  alpha: () =>
    synthetic('alpha.mov', {
      streams: [
        {
          source: `${TEST_PATTERN},trim=duration=0.4,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(X,32),0,255)',format=rgba`,
          encoder: 'png',
        },
      ],
    }),
  tenBit: () =>
    synthetic('ten-bit.mkv', {
      streams: [{ source: `${pattern(1)},format=yuv420p10le`, encoder: 'libx264', options: { preset: 'ultrafast' } }],
    }),
  /** Interlaced coding, top field first. */
  interlaced: () =>
    synthetic('interlaced.ts', { streams: [h264(pattern(1), { flags: '+ildct+ilme', x264opts: 'tff=1' })] }),
  /** A detailed picture for resize accuracy: one frame, so every sample is the same picture. */
  detailedFrame: () =>
    synthetic('detailed-frame.mp4', {
      streams: [
        {
          source: 'mandelbrot=size=640x360:rate=1,trim=end_frame=1,format=yuv420p',
          encoder: 'libx264',
          options: { crf: '12' },
        },
      ],
    }),
  /** The first 40% of an MP4 whose index sits in front (faststart), so the index promises data the file lacks. */
  truncated: () =>
    cached('truncated.mp4', (p) => {
      const whole = `${p}.whole.mp4`;
      writeSyntheticFile(whole, {
        streams: [h264('testsrc2=size=320x240:rate=25,trim=duration=4', { g: '25' })],
        muxerOptions: { movflags: '+faststart' },
      });
      const bytes = readFileSync(whole);
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
      rmSync(whole);
    }),
  /** An MP4 cut before its index (moov at the end) was written. */
  missingIndex: () =>
    cached('missing-index.mp4', (p) => {
      const whole = `${p}.whole.mp4`;
      writeSyntheticFile(whole, { streams: [h264(pattern(2))] });
      const bytes = readFileSync(whole);
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
      rmSync(whole);
    }),
  empty: () => cached('empty.webm', (p) => writeFileSync(p, '')),
  text: () => cached('notes.mp4', (p) => writeFileSync(p, 'these are meeting notes, not a video\n'.repeat(50))),
  stillImage: () =>
    synthetic('still.png', {
      streams: [{ source: 'testsrc2=size=64x48,trim=end_frame=1,format=rgb24', encoder: 'png' }],
    }),
};

/** A frame decoded for reference: seconds from the video stream's first frame, and its pixels. */
export interface ReferenceFrame {
  seconds: number;
  rgb: Uint8Array;
}

/**
 * The first `limit` frames of `path`'s video in display order (all by default) as packed RGB, through `filters`
 * (ending in `format=rgb24`), decoded from the start with FFmpeg's libraries, one thread, nothing skipped: a
 * reference for comparisons, apart from the sampling code. Rotation is not applied: a test names the turn in
 * `filters`, as it knows its file.
 */
export async function referenceFrames(path: string, filters: string, limit = Number.POSITIVE_INFINITY) {
  const input = new FormatContext();
  FFmpegError.throwIfError(await input.openInput(path, null, null), path);
  const decoder = new CodecContext();
  const packet = new Packet();
  const chain = new FrameChain(filters, 1);
  const frames: ReferenceFrame[] = [];
  try {
    FFmpegError.throwIfError(await input.findStreamInfo(null), path);
    const stream = input.streams?.find(
      (s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && !(s.disposition & AV_DISPOSITION_ATTACHED_PIC),
    );
    if (!stream) throw new Error(`no video stream in ${path}`);
    const codec = Codec.findDecoder(stream.codecpar.codecId);
    if (!codec) throw new Error(`no decoder for ${path}`);
    decoder.allocContext3(codec);
    decoder.parametersToContext(stream.codecpar);
    decoder.pktTimebase = stream.timeBase;
    decoder.threadCount = 1;
    FFmpegError.throwIfError(await decoder.open2(codec, null), path);
    const timeBase = stream.timeBase.num / stream.timeBase.den;
    let firstPts: bigint | undefined;
    // A filter's output carries its input's pts, whichever input it answers (yadif answers one frame late).
    const store = (rgb: Frame) => {
      frames.push({
        seconds: Number(rgb.pts - firstPts!) * timeBase,
        rgb: packedRgb(rgb, { width: rgb.width, height: rgb.height }),
      });
      rgb.free();
    };
    const keep = async (frame: Frame) => {
      firstPts ??= frame.bestEffortTimestamp;
      frame.pts = frame.bestEffortTimestamp;
      frame.timeBase = stream.timeBase;
      for (const rgb of await chain.push(frame)) store(rgb);
    };
    packet.alloc();
    for (let ended = false; !ended && frames.length < limit; ) {
      const read = await input.readFrame(packet);
      ended = read < 0;
      if (ended || packet.streamIndex === stream.index)
        FFmpegError.throwIfError(await decoder.sendPacket(ended ? null : packet), path);
      packet.unref();
      for (;;) {
        const frame = new Frame();
        frame.alloc();
        const received = await decoder.receiveFrame(frame);
        if (received >= 0) await keep(frame);
        frame.free();
        if (received < 0 || frames.length >= limit) break;
      }
    }
    if (frames.length < limit) for (const rgb of await chain.drain()) store(rgb);
    if (frames.length === 0) throw new Error(`no frame decoded from ${path} through ${filters}`);
    return frames.slice(0, limit);
  } finally {
    chain.close();
    packet.free();
    decoder.freeContext();
    await input.closeInput();
  }
}

/** The first frame of `path`'s video at full size as packed RGB, through `filters` (see referenceFrames). */
export async function referenceFrame(path: string, filters: string): Promise<Uint8Array> {
  return (await referenceFrames(path, filters, 1))[0]!.rgb;
}

export function meanAbsoluteError(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
