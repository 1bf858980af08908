import { setImmediate } from 'node:timers/promises';
import {
  AV_CODEC_ID_H264,
  AV_LOG_QUIET,
  AV_NOPTS_VALUE,
  AV_OPT_TYPE_INT,
  AVERROR_EIO,
  AVERROR_EOF,
  AVERROR_INVALIDDATA,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
  AVSEEK_CUR,
  AVSEEK_END,
  AVSEEK_SET,
  AVSEEK_SIZE,
} from 'node-av/constants';
import { FFmpegError, FormatContext, IOContext, Log, type Packet, type Stream } from 'node-av/lib';
import type { ByteSource } from './byte-source.js';
import { SIGNATURE_BYTES, startsLikeContainer } from './container-signature.js';
import { fieldOrderOf } from './demux-probe.js';
import { CorruptVideoError, type MediaError, NotAVideoError } from './errors.js';

/** Bytes the demuxer asks its source for at a time: large enough that a ranged GET per call stays cheap. */
const IO_BUFFER_BYTES = 256 * 1024;
/**
 * A demuxer reading synchronously lets the event loop run at least this often (ms): between synchronous reads and
 * decoder calls nothing else would, and the decoder process's memory check is a timer.
 */
const EVENT_LOOP_TURN_MS = 10;
/** avio may OR AVSEEK_FORCE (0x20000) into `whence`; only the low bits say where from. */
const WHENCE_MASK = 0xffff;

// Errors reach callers as typed MediaErrors; FFmpeg's own console chatter would only interleave between videos.
Log.setLevel(AV_LOG_QUIET);

/** An open FFmpeg demuxer reading through a ByteSource. */
export interface Demuxer {
  format: FormatContext;
  /** av_read_frame into `packet`: on the calling thread where the source reads synchronously. */
  readPacket(packet: Packet): Promise<number>;
  close(): Promise<void>;
}

/** FFmpeg's message for a negative return code. */
export function avErrorText(code: number): string {
  return FFmpegError.strerror(code);
}

/** FFmpeg's I/O over `source`, and the last error a synchronous read threw (FFmpeg itself sees only EIO). */
function customIo(source: ByteSource): { io: IOContext; readError: () => unknown } {
  let position = 0;
  let readError: unknown;
  const { readSync } = source;
  const advance = (bytes: Uint8Array) => {
    if (bytes.length === 0) return AVERROR_EOF;
    position += bytes.length;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  };
  // FFmpeg copies what a read returns before it reads again: one buffer serves every synchronous read.
  let scratch = Buffer.allocUnsafeSlow(readSync ? IO_BUFFER_BYTES : 0);
  const io = new IOContext();
  io.allocContextWithCallbacks(
    IO_BUFFER_BYTES,
    0,
    readSync
      ? (length) => {
          if (position >= source.size) return AVERROR_EOF;
          if (length > scratch.length) scratch = Buffer.allocUnsafeSlow(length);
          try {
            return advance(scratch.subarray(0, readSync.call(source, position, scratch.subarray(0, length))));
          } catch (error) {
            // Thrown through FFmpeg's synchronous call it would take the process down: kept to be thrown after it.
            readError = error;
            return AVERROR_EIO;
          }
        }
      : async (length) => (position >= source.size ? AVERROR_EOF : advance(await source.read(position, length))),
    null,
    (offset, whence) => {
      const from = whence & WHENCE_MASK;
      if (whence === AVSEEK_SIZE) return BigInt(source.size);
      if (from === AVSEEK_SET) position = Number(offset);
      else if (from === AVSEEK_CUR) position += Number(offset);
      else if (from === AVSEEK_END) position = source.size + Number(offset);
      else return -1;
      return BigInt(position);
    },
  );
  return { io, readError: () => readError };
}

/** What an open failure means: damaged data where the file starts like a known container, else not a video. */
async function openFailure(path: string, source: ByteSource, code: number): Promise<MediaError> {
  const why = `FFmpeg cannot open it: ${avErrorText(code)}`;
  const head = await source.read(0, SIGNATURE_BYTES);
  return code === AVERROR_INVALIDDATA && startsLikeContainer(head)
    ? new CorruptVideoError(path, why)
    : new NotAVideoError(path, why);
}

/** A stream's start on the file's clock in seconds, undefined where the demuxer has not said. */
function startSeconds(stream: Stream): number | undefined {
  return stream.startTime === AV_NOPTS_VALUE
    ? undefined
    : Number(stream.startTime) * (stream.timeBase.num / stream.timeBase.den);
}

/**
 * MP4 and QuickTime files give every sample's time in their index, so the stream analysis need not estimate a
 * frame rate (reading on for up to 20 more video frames) and, where the index already places the file's start,
 * need not wait for each stream's first timestamp (up to 50 packets: in a file that stores a second of video
 * before its audio, every frame of that second). While it reads, it decodes H.264 on one thread until it has
 * guessed the reorder depth, up to 7 frames: 242 -> 64 ms for a 4K Android clip, 38 -> 5 ms for a 720p phone clip,
 * 195 -> 19 ms for a 3K screen recording (BENCHMARKS.md). The index places the start when every video stream's
 * start is known and every audio stream's is too, or some known start is at or before 0: an unfragmented track
 * without an edit list starts at 0, and FFmpeg puts the earliest known start in for it. A fragmented file's first
 * timestamps come from its fragments, so it still waits. Other containers keep both: MPEG-TS and WebM files report
 * other frame rates and durations without them.
 */
function trustIndexTimestamps(format: FormatContext, waitForTimestamps: boolean): boolean {
  if (!format.iformat?.name?.startsWith('mov,')) return false;
  format.setOption('fpsprobesize', 0, AV_OPT_TYPE_INT);
  if (waitForTimestamps) return false;
  const timed = format.streams.filter(
    (s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO || s.codecpar.codecType === AVMEDIA_TYPE_AUDIO,
  );
  const starts = timed.map(startSeconds);
  const known = starts.filter((start) => start !== undefined);
  const videoPlaced = timed.every((s, i) => s.codecpar.codecType !== AVMEDIA_TYPE_VIDEO || starts[i] !== undefined);
  const startPlaced = known.length === timed.length || Math.min(...known) <= 0;
  if (!(known.length > 0 && videoPlaced && startPlaced)) return false;
  format.setOption('max_ts_probe', 0, AV_OPT_TYPE_INT);
  return true;
}

/**
 * Whether an H.264 stream's field order is still unknown. Its parser sets it from a pair of fields, so interlaced
 * H.264 stored a field per sample (PAFF copied out of AVCHD) needs more than the first packet: skipping the wait
 * for first timestamps left such a file progressive where FFmpeg's defaults, reading on to the audio, find `tt`.
 */
function fieldOrderOpen(format: FormatContext): boolean {
  return format.streams.some((s) => s.codecpar.codecId === AV_CODEC_ID_H264 && fieldOrderOf(s.codecpar) === 0);
}

/** Opens `source` (named `path` in errors) with FFmpeg's demuxers and reads enough to describe its streams. */
export async function openDemuxer(path: string, source: ByteSource): Promise<Demuxer> {
  const { demuxer, shortened } = await openAnalysed(path, source, false);
  if (!shortened || !fieldOrderOpen(demuxer.format)) return demuxer;
  await demuxer.close();
  return (await openAnalysed(path, source, true)).demuxer;
}

/** openDemuxer's one attempt; `shortened` says the analysis did not wait for first timestamps. */
async function openAnalysed(
  path: string,
  source: ByteSource,
  waitForTimestamps: boolean,
): Promise<{ demuxer: Demuxer; shortened: boolean }> {
  const { io, readError } = customIo(source);
  const format = new FormatContext();
  format.allocContext();
  format.pb = io;
  const synchronous = source.readSync !== undefined;
  const opened = synchronous ? format.openInputSync('', null, null) : await format.openInput('', null, null);
  if (opened < 0) {
    format.freeContext();
    io.freeContext();
    throw readError() ?? (await openFailure(path, source, opened));
  }
  const close = async (): Promise<void> => {
    await format.closeInput();
    io.freeContext();
  };
  const shortened = trustIndexTimestamps(format, waitForTimestamps);
  const described = synchronous ? format.findStreamInfoSync(null) : await format.findStreamInfo(null);
  if (described < 0) {
    await close();
    throw readError() ?? (await openFailure(path, source, described));
  }
  let lastTurn = performance.now();
  const readPacket = synchronous
    ? async (packet: Packet) => {
        if (performance.now() - lastTurn >= EVENT_LOOP_TURN_MS) {
          await setImmediate();
          lastTurn = performance.now();
        }
        const read = format.readFrameSync(packet);
        if (read < 0 && readError() !== undefined) throw readError();
        return read;
      }
    : (packet: Packet) => format.readFrame(packet);
  return { demuxer: { format, readPacket, close }, shortened };
}
