import {
  AV_LOG_QUIET,
  AVERROR_EOF,
  AVERROR_INVALIDDATA,
  AVSEEK_CUR,
  AVSEEK_END,
  AVSEEK_SET,
  AVSEEK_SIZE,
} from 'node-av/constants';
import { FFmpegError, FormatContext, IOContext, Log } from 'node-av/lib';
import type { ByteSource } from './byte-source.js';
import { SIGNATURE_BYTES, startsLikeContainer } from './container-signature.js';
import { CorruptVideoError, type MediaError, NotAVideoError } from './errors.js';

/** Bytes the demuxer asks its source for at a time: large enough that a ranged GET per call stays cheap. */
const IO_BUFFER_BYTES = 256 * 1024;
/** avio may OR AVSEEK_FORCE (0x20000) into `whence`; only the low bits say where from. */
const WHENCE_MASK = 0xffff;

// Errors reach callers as typed MediaErrors; FFmpeg's own console chatter would only interleave between videos.
Log.setLevel(AV_LOG_QUIET);

/** An open FFmpeg demuxer reading through a ByteSource. */
export interface Demuxer {
  format: FormatContext;
  close(): Promise<void>;
}

/** FFmpeg's message for a negative return code. */
export function avErrorText(code: number): string {
  return FFmpegError.strerror(code);
}

function customIo(source: ByteSource): IOContext {
  let position = 0;
  const io = new IOContext();
  io.allocContextWithCallbacks(
    IO_BUFFER_BYTES,
    0,
    async (length) => {
      if (position >= source.size) return AVERROR_EOF;
      const bytes = await source.read(position, length);
      if (bytes.length === 0) return AVERROR_EOF;
      position += bytes.length;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    },
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
  return io;
}

/** What an open failure means: damaged data where the file starts like a known container, else not a video. */
async function openFailure(path: string, source: ByteSource, code: number): Promise<MediaError> {
  const why = `FFmpeg cannot open it: ${avErrorText(code)}`;
  const head = await source.read(0, SIGNATURE_BYTES);
  return code === AVERROR_INVALIDDATA && startsLikeContainer(head)
    ? new CorruptVideoError(path, why)
    : new NotAVideoError(path, why);
}

/** Opens `source` (named `path` in errors) with FFmpeg's demuxers and reads enough to describe its streams. */
export async function openDemuxer(path: string, source: ByteSource): Promise<Demuxer> {
  const io = customIo(source);
  const format = new FormatContext();
  format.allocContext();
  format.pb = io;
  const opened = await format.openInput('', null, null);
  if (opened < 0) {
    format.freeContext();
    io.freeContext();
    throw await openFailure(path, source, opened);
  }
  const close = async (): Promise<void> => {
    await format.closeInput();
    io.freeContext();
  };
  const described = await format.findStreamInfo(null);
  if (described < 0) {
    await close();
    throw await openFailure(path, source, described);
  }
  return { format, close };
}
