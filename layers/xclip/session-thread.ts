import { Worker } from 'node:worker_threads';
import type ort from 'onnxruntime-node';
import { workerModule } from '../common/child-module.js';
import { XclipError } from '../common/errors.js';
import type { GraphSource, OrtFormatSkip } from './ort-format.js';
import type {
  CreatedSession,
  FromSessionThread,
  Prefault,
  RunReply,
  SessionCall,
  TensorMap,
  ToSessionThread,
} from './session-protocol.js';

/** The session thread ended (a crash in it, or its runtime released) before or during a call. */
export class SessionThreadEndedError extends XclipError {
  constructor(why: string) {
    super('MODEL_THREAD_ENDED', "the model's session thread has ended", why);
  }
}

/** One graph's ONNX Runtime session, held and run in the session thread. */
export class ThreadSession {
  constructor(
    private readonly thread: SessionThread,
    private readonly id: number,
    /** Whether the session came from the ORT-format copy or the .onnx graph (ort-format.ts). */
    readonly format: 'ort' | 'onnx',
    /** Set when the format is 'onnx': why not the copy. */
    readonly skipped: OrtFormatSkip | undefined,
  ) {}

  /** The graph's outputs for `feeds`, which are copied to the thread (the caller keeps its arrays). */
  run(feeds: TensorMap): Promise<TensorMap> {
    return this.thread.run(this.id, feeds);
  }

  /** Reads a byte of each page of the ORT-format bytes the session uses in place; nothing for an .onnx session. */
  prefault(): Promise<Prefault> {
    return this.thread.call({ op: 'prefault', session: this.id }) as Promise<Prefault>;
  }

  async release(): Promise<void> {
    await this.thread.call({ op: 'release', session: this.id });
  }
}

/** Buffers kept for the copies of run inputs; more than the graphs' distinct input shapes in steady use. */
const MAX_INPUT_BUFFERS = 8;

/**
 * Buffers the run inputs are copied into and moved to the session thread, which hands them back with the outputs.
 * Reused, they cost no fresh memory per run: a structured clone of a video's 4.8 MB of pixels allocated it twice
 * (on each side), and the first touch of fresh pages is dear on the VMs of BENCHMARKS.md.
 */
class InputBuffers {
  readonly #free: ArrayBuffer[] = [];

  /** `data` copied into a kept buffer of its byte length, or a new one. */
  copy<T extends Float32Array | BigInt64Array>(data: T): T {
    const at = this.#free.findIndex((buffer) => buffer.byteLength === data.byteLength);
    const buffer = at >= 0 ? this.#free.splice(at, 1)[0]! : new ArrayBuffer(data.byteLength);
    const copy = new (data.constructor as new (buffer: ArrayBuffer) => T)(buffer);
    copy.set(data as never);
    return copy;
  }

  giveBack(buffers: readonly ArrayBuffer[]): void {
    this.#free.push(...buffers.filter((buffer) => buffer.byteLength > 0));
    this.#free.splice(0, Math.max(0, this.#free.length - MAX_INPUT_BUFFERS));
  }
}

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A worker thread that creates and runs a model's ONNX Runtime sessions (session-worker.ts), so that a run, which
 * onnxruntime-node performs synchronously on the calling thread, leaves this thread's event loop free: decoder
 * processes get their next call and HTTP requests their answer while a video is encoded. Calls are answered in
 * order. An idle thread does not keep the process running.
 */
export class SessionThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, PendingCall>();
  readonly #inputBuffers = new InputBuffers();
  #nextId = 0;
  #ended: SessionThreadEndedError | undefined;

  constructor() {
    const { filename, options } = workerModule(import.meta.url, 'session-worker');
    this.#worker = new Worker(filename, options);
    this.#worker.unref();
    this.#worker.on('message', (reply: FromSessionThread) => this.#receive(reply));
    let failure: string | undefined;
    this.#worker.on('error', (error: unknown) => {
      failure = `it failed: ${error instanceof Error ? error.message : String(error)}`;
    });
    this.#worker.on('exit', (code) => {
      if (this.#ended) return;
      this.#end(failure ?? `it exited with code ${code}`);
      // The model cannot run again in this process, and what holds it (a queue consumer, a server) would fail every
      // later video for good; ending the process lets its supervisor start a fresh one, as a crash of ONNX Runtime
      // on the main thread did.
      throw this.#ended;
    });
  }

  async create(source: GraphSource, options: ort.InferenceSession.SessionOptions): Promise<ThreadSession> {
    const created = (await this.call({ op: 'create', source, options })) as CreatedSession;
    return new ThreadSession(this, created.session, created.format, created.skipped);
  }

  call(call: SessionCall, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      try {
        this.#worker.postMessage({ id, call } satisfies ToSessionThread, transfer);
      } catch (error) {
        reject(error);
        return;
      }
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#worker.ref();
    });
  }

  /** Runs session `session` on copies of `feeds` moved to the thread; the copies' buffers come back for reuse. */
  async run(session: number, feeds: TensorMap): Promise<TensorMap> {
    const copies: TensorMap = {};
    for (const [name, { type, dims, data }] of Object.entries(feeds))
      copies[name] = { type, dims, data: this.#inputBuffers.copy(data) };
    const transfer = Object.values(copies).map(({ data }) => data.buffer as ArrayBuffer);
    const { outputs, inputs } = (await this.call({ op: 'run', session, feeds: copies }, transfer)) as RunReply;
    this.#inputBuffers.giveBack(inputs);
    return outputs;
  }

  /** Ends the thread; calls still waiting end in SessionThreadEndedError. */
  async close(): Promise<void> {
    this.#end('its runtime was released');
    await this.#worker.terminate();
  }

  #receive(reply: FromSessionThread): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if ('error' in reply) pending.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    else pending.resolve(reply.value);
  }

  #end(why: string): void {
    this.#ended ??= new SessionThreadEndedError(why);
    for (const pending of this.#pending.values()) pending.reject(this.#ended);
    this.#pending.clear();
  }
}
