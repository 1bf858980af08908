import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { childModule } from '../common/child-module.js';
import type { ByteSource } from './byte-source.js';
import { type DecoderCall, type FromDecoder, receivedError, type ToDecoder } from './decoder-protocol.js';
import { DecoderCrashedError, DecodeTimeoutError, VideoTooLargeError } from './errors.js';
import type { MediaLimits } from './limits.js';
import type { VideoProbe } from './probe.js';
import type { StreamIndex } from './stream-index.js';
import type { VideoReader } from './video-reader.js';

const DECODER_NAME = 'the decoder process';

interface PendingCall {
  id: number;
  path: string;
  resolve: (reply: { value: unknown; bytesRead: number | undefined }) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
  /** performance.now() past which the call has timed out, whichever comes first, its timer or its reply. */
  deadline: number;
  /** Ends the call in DecodeTimeoutError, and the process with it. */
  timeOut: () => void;
}

/**
 * One decoder process with a watchdog: each call has a deadline, after which the process is killed (FFmpeg's work
 * cannot be stopped any other way) and the call ends in DecodeTimeoutError; a process that dies mid-call ends it in
 * DecoderCrashedError, or VideoTooLargeError when it passed its memory bound.
 */
class DecoderProcess {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;
  #alive = true;
  #call: PendingCall | undefined;
  #source: ByteSource | undefined;
  #memoryBound = 0;
  #nextId = 0;

  constructor(onExit: (process: DecoderProcess) => void) {
    const module = childModule(import.meta.url, 'decoder-child');
    this.#child = fork(module.path, [], {
      execArgv: module.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#hold(false);
    this.#ready = new Promise((resolve, reject) => {
      this.#child.once('message', () => resolve());
      this.#child.once('error', reject);
    });
    // A process that fails to start fails the call that waits for it; with none waiting yet, nothing is owed.
    this.#ready.catch(() => undefined);
    // A failed send or signal: the process cannot be trusted with another call.
    this.#child.on('error', () => this.kill());
    this.#child.on('message', (message: FromDecoder) => this.#receive(message));
    this.#child.on('exit', (code, signal) => {
      this.#alive = false;
      const call = this.#call;
      if (call) {
        this.#settle();
        call.reject(new DecoderCrashedError(call.path, signal ? `killed by ${signal}` : `exit code ${code}`));
      }
      onExit(this);
    });
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Runs `call` in the process within `timeoutMs`; `source` answers the reads of an `open` call's video. */
  async request(
    call: DecoderCall,
    path: string,
    timeoutMs: number,
    source?: ByteSource,
  ): Promise<{ value: unknown; bytesRead: number | undefined }> {
    if (call.op === 'open') {
      this.#source = source;
      this.#memoryBound = call.limits.maxDecoderBytes;
    }
    // Closing reads nothing more: the source (and what it caches) is not kept past its video.
    if (call.op === 'close') this.#source = undefined;
    this.#hold(true);
    try {
      await this.#ready;
    } catch (error) {
      this.#hold(false);
      throw error;
    }
    if (!this.#alive) {
      this.#hold(false);
      throw new DecoderCrashedError(path, 'it had ended before the call');
    }
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      const timeOut = () => this.#abandon(pending, new DecodeTimeoutError(path, DECODER_NAME, timeoutMs, ''));
      const deadline = performance.now() + timeoutMs;
      const timer = setTimeout(timeOut, timeoutMs);
      const pending: PendingCall = { id, path, resolve, reject, timer, deadline, timeOut };
      this.#call = pending;
      this.#post({ kind: 'call', id, call });
    });
  }

  kill(): void {
    this.#alive = false;
    this.#child.kill('SIGKILL');
  }

  /** An idle decoder process does not keep its parent running; one at work does. */
  #hold(busy: boolean): void {
    if (busy) {
      this.#child.ref();
      this.#child.channel?.ref();
    } else {
      this.#child.unref();
      this.#child.channel?.unref();
    }
  }

  #settle(): void {
    if (this.#call) clearTimeout(this.#call.timer);
    this.#call = undefined;
    this.#hold(false);
  }

  #post(message: ToDecoder): void {
    if (this.#child.connected) this.#child.send(message);
  }

  /** Ends the call in `error` and the process with it. */
  #abandon(call: PendingCall, error: unknown): void {
    this.#settle();
    this.kill();
    call.reject(error);
  }

  #receive(message: FromDecoder): void {
    if (message.kind === 'read') {
      const { read, offset, length } = message;
      const call = this.#call;
      this.#source?.read(offset, length).then(
        (bytes) => this.#post({ kind: 'bytes', read, bytes }),
        // The source failed, not the video: the call ends with the source's own error (S3's may be transient).
        (error: unknown) => {
          if (call && call === this.#call) this.#abandon(call, error);
        },
      );
      return;
    }
    const call = this.#call;
    if (message.kind === 'memory') {
      const bound = `${Math.round(this.#memoryBound / 1024 ** 2)} MiB`;
      const why = `decoding it took ${Math.round(message.residentBytes / 1024 ** 2)} MiB, past the decoder's bound of ${bound}`;
      if (call) this.#abandon(call, new VideoTooLargeError(call.path, why));
      return;
    }
    if (message.kind === 'ready' || !call || message.id !== call.id) return;
    // A reply that comes after the deadline, before the timer has had its turn, is as late as one that never came.
    if (performance.now() >= call.deadline) {
      call.timeOut();
      return;
    }
    this.#settle();
    if (message.kind === 'reply') call.resolve({ value: message.value, bytesRead: message.bytesRead });
    else call.reject(receivedError(message.error));
  }
}

/** Up to `size` decoder processes, started when first needed and kept for the next videos. */
export class DecoderPool {
  readonly #idle: DecoderProcess[] = [];
  readonly #waiting: Array<(process: DecoderProcess) => void> = [];
  #live = 0;

  constructor(readonly size: number) {}

  acquire(): Promise<DecoderProcess> {
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#live < this.size) return Promise.resolve(this.#start());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Starts a process ahead of the first video, when none is started yet (starting one takes about a second). */
  prestart(): void {
    if (this.#live === 0) this.#idle.push(this.#start());
  }

  release(process: DecoderProcess): void {
    if (!process.alive) return;
    const waiter = this.#waiting.shift();
    if (waiter) waiter(process);
    else this.#idle.push(process);
  }

  #start(): DecoderProcess {
    this.#live++;
    return new DecoderProcess((ended) => {
      this.#live--;
      const at = this.#idle.indexOf(ended);
      if (at >= 0) this.#idle.splice(at, 1);
      const waiter = this.#waiting.shift();
      if (waiter) waiter(this.#start());
    });
  }
}

let sharedPool: DecoderPool | undefined;

/** The process's decoder pool: one decoder process per core (at least two), so decoding uses every core. */
function decoderPool(): DecoderPool {
  sharedPool ??= new DecoderPool(Math.max(2, availableParallelism()));
  return sharedPool;
}

/** Starts the first decoder process now, so that its start overlaps other work (loading a model). */
export function prestartDecoder(): void {
  decoderPool().prestart();
}

/**
 * A VideoReader whose FFmpeg work runs in a decoder process from the pool, reading the local file `path` there, or
 * `source` through this process. Each step has the limits' deadline; the process goes back to the pool on close.
 */
export async function openPooledReader(
  path: string,
  limits: MediaLimits,
  options: { source?: ByteSource; probe?: VideoProbe } = {},
): Promise<VideoReader> {
  const pool = decoderPool();
  const decoder = await pool.acquire();
  let bytesRead: number | undefined;
  const ask = async (call: DecoderCall, timeoutMs: number): Promise<unknown> => {
    const reply = await decoder.request(call, path, timeoutMs, options.source);
    bytesRead = reply.bytesRead ?? bytesRead;
    return reply.value;
  };
  let probe: VideoProbe;
  try {
    const open = { op: 'open', path, limits, probe: options.probe, sourceSize: options.source?.size } as const;
    probe = (await ask(open, limits.probeTimeoutMs)) as VideoProbe;
  } catch (error) {
    pool.release(decoder);
    throw error;
  }
  return {
    probe,
    index: async (times) => (await ask({ op: 'index', times }, limits.probeTimeoutMs)) as StreamIndex,
    decode: async (runs, size) =>
      (await ask({ op: 'decode', runs, size }, limits.decodeTimeoutMs)) as Map<number, Uint8Array | undefined>,
    bytesRead: () => bytesRead,
    close: async () => {
      // After a timeout or a crash the process is gone and nothing is left open.
      if (decoder.alive) {
        try {
          const residentBytes = (await ask({ op: 'close' }, limits.probeTimeoutMs)) as number;
          // Memory FFmpeg freed may stay resident: a process past half its bound makes way for a fresh one.
          if (residentBytes > limits.maxDecoderBytes / 2) decoder.kill();
        } catch {
          decoder.kill();
        }
      }
      pool.release(decoder);
    },
  };
}

/** The probe of a video read through `source` (named `name` in errors), in a decoder process. */
export async function probeByteSource(name: string, source: ByteSource, limits: MediaLimits): Promise<VideoProbe> {
  const reader = await openPooledReader(name, limits, { source });
  await reader.close();
  return reader.probe;
}
