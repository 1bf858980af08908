import { type SentError, XclipError } from '../common/errors.js';
import type { FrameSize } from './decode.js';
import * as mediaErrors from './errors.js';
import type { MediaLimits } from './limits.js';
import type { DecodeRun } from './plan.js';
import type { VideoProbe } from './probe.js';

/** What a decoder process is asked to do; one video at a time, one call at a time. */
export type DecoderCall =
  /** `sourceSize` set: the bytes come from the parent's ByteSource through `read` messages, else from the file `path`. */
  | { op: 'open'; path: string; limits: MediaLimits; probe: VideoProbe | undefined; sourceSize: number | undefined }
  | { op: 'index'; times: readonly number[] }
  | { op: 'decode'; runs: readonly DecodeRun[]; size: FrameSize }
  | { op: 'close' };

/** The parent's messages to a decoder process. */
export type ToDecoder =
  | { kind: 'call'; id: number; call: DecoderCall }
  | { kind: 'bytes'; read: number; bytes: Uint8Array };

/** A decoder process's messages to its parent. */
export type FromDecoder =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; value: unknown; bytesRead: number | undefined }
  | { kind: 'failed'; id: number; error: SentError }
  | { kind: 'read'; read: number; offset: number; length: number }
  /** Resident memory passed the open video's bound: the parent ends the process. */
  | { kind: 'memory'; residentBytes: number };

const ERROR_CLASSES: Record<string, { prototype: XclipError }> = { ...mediaErrors, XclipError };

/** The error again, of its own class where it is one of ours, so callers tell a damaged file from a timeout. */
export function receivedError(sent: SentError): Error {
  const type = ERROR_CLASSES[sent.name];
  if (!type || !sent.xclip) return new Error(`the decoder process failed: ${sent.name}: ${sent.message}`);
  const error: XclipError = Object.create(type.prototype);
  Object.assign(error, { name: sent.name, message: sent.message, ...sent.xclip });
  Error.captureStackTrace(error, receivedError);
  return error;
}
