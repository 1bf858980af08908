import { XclipError } from '../common/errors.js';

/** Base of every error about a video the media layer was asked to read; `code` tells which kind. */
export abstract class MediaError extends XclipError {}

/** The file is not a video at all: empty, unreadable by ffmpeg, or a still image. */
export class NotAVideoError extends MediaError {
  constructor(path: string, why: string) {
    super('NOT_A_VIDEO', `${path} is not a video`, why);
  }
}

/** A media file with no video stream (audio only, or only cover art). */
export class NoVideoStreamError extends MediaError {
  constructor(path: string, why: string) {
    super('NO_VIDEO_STREAM', `${path} has no video stream`, why);
  }
}

/** The video stream uses a codec this ffmpeg cannot decode. */
export class UnsupportedCodecError extends MediaError {
  constructor(path: string, why: string) {
    super('UNSUPPORTED_CODEC', `cannot decode ${path}`, why);
  }
}

/** The container is recognised but its data is damaged or truncated. */
export class CorruptVideoError extends MediaError {
  constructor(path: string, why: string) {
    super('CORRUPT_VIDEO', `${path} is damaged`, why);
  }
}

export class VideoTooLongError extends MediaError {
  constructor(path: string, seconds: number, limitSeconds: number) {
    super('VIDEO_TOO_LONG', `${path} is too long`, `${seconds.toFixed(1)} s exceeds the limit of ${limitSeconds} s`);
  }
}

/** The file, or one decoded frame, is larger than the configured limits. */
export class VideoTooLargeError extends MediaError {
  constructor(path: string, why: string) {
    super('VIDEO_TOO_LARGE', `${path} is too large`, why);
  }
}

/** An ffmpeg or ffprobe process ran past its time limit and was killed. */
export class DecodeTimeoutError extends MediaError {
  constructor(path: string, tool: string, timeoutMs: number, stderr: string) {
    super(
      'DECODE_TIMEOUT',
      `${tool} timed out on ${path}`,
      `killed after ${timeoutMs} ms${stderr ? `; stderr: ${stderr}` : ''}`,
    );
  }
}

/**
 * The decoder process ended in the middle of a video: a crash inside FFmpeg (a decoder bug a hostile file hits) or a
 * signal from outside. Whether the file is to blame is unknown, so it counts as transient, like a timeout.
 */
export class DecoderCrashedError extends MediaError {
  constructor(path: string, how: string) {
    super('DECODER_CRASHED', `the decoder process ended while reading ${path}`, how);
  }
}
