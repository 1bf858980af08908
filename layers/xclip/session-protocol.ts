import type ort from 'onnxruntime-node';
import type { SentError } from '../common/errors.js';
import type { GraphSource, OrtFormatSkip } from './ort-format.js';

/** A tensor as it crosses to and from the session thread: ort.Tensor objects do not survive structured cloning. */
export interface TensorData {
  type: 'float32' | 'int64';
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

export type TensorMap = Record<string, TensorData>;

/** What the session thread is asked to do; each call names the session it acts on, but `create`. */
export type SessionCall =
  | {
      op: 'create';
      source: GraphSource;
      options: ort.InferenceSession.SessionOptions;
    }
  | { op: 'run'; session: number; feeds: TensorMap }
  | { op: 'prefault'; session: number }
  | { op: 'release'; session: number };

/** What `create` answers: the session's number for later calls, and where it came from (ort-format.ts). */
export interface CreatedSession {
  session: number;
  format: 'ort' | 'onnx';
  skipped?: OrtFormatSkip;
}

/** What `prefault` answers: the pages read and the sum of the bytes read. */
export interface Prefault {
  pages: number;
  checksum: number;
}

/** What `run` answers: the outputs, and the feeds' buffers handed back for the next run's inputs. */
export interface RunReply {
  outputs: TensorMap;
  inputs: ArrayBuffer[];
}

export type ToSessionThread = { id: number; call: SessionCall };

export type FromSessionThread = { id: number; value: unknown } | { id: number; error: SentError };
