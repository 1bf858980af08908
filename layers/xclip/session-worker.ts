/**
 * The session thread (session-thread.ts): holds the model's ONNX Runtime sessions and runs them, off the thread whose
 * event loop serves the decoders, the HTTP API and the stores. onnxruntime-node runs a session synchronously on the
 * calling thread, so a vision run there stalled every other piece of work for its whole length.
 */
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { sentError } from '../common/errors.js';
import { createGraphSession, type GraphSession } from './ort-format.js';
import type {
  CreatedSession,
  FromSessionThread,
  Prefault,
  RunReply,
  SessionCall,
  ToSessionThread,
} from './session-protocol.js';

const PAGE_BYTES = 4096;

const port = parentPort!;
const sessions = new Map<number, GraphSession>();
let nextSession = 0;

function sessionOf(id: number): GraphSession {
  const session = sessions.get(id);
  if (!session) throw new Error(`no session ${id} in the session thread`);
  return session;
}

/** Reads one byte of each page of the bytes a session uses in place (see XclipRuntime.prefaultWeights). */
function prefault({ bytes }: GraphSession): Prefault {
  let pages = 0;
  let checksum = 0;
  if (!bytes) return { pages, checksum };
  for (let at = 0; at < bytes.length; at += PAGE_BYTES, pages++) checksum = (checksum + bytes[at]!) | 0;
  return { pages, checksum };
}

async function answer(call: SessionCall): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (call.op) {
    case 'create': {
      const created = await createGraphSession(call.source, call.options);
      const session = nextSession++;
      sessions.set(session, created);
      const value: CreatedSession = { session, format: created.format, skipped: created.skipped };
      return { value, transfer: [] };
    }
    case 'run': {
      const feeds = Object.fromEntries(
        Object.entries(call.feeds).map(([name, { type, data, dims }]) => [name, new ort.Tensor(type, data, dims)]),
      );
      const outputs = await sessionOf(call.session).session.run(feeds);
      const value: RunReply = {
        outputs: {},
        inputs: Object.values(call.feeds).map(({ data }) => data.buffer as ArrayBuffer),
      };
      const transfer = new Set<ArrayBuffer>(value.inputs);
      for (const [name, tensor] of Object.entries(outputs)) {
        if (tensor.type !== 'float32' && tensor.type !== 'int64')
          throw new Error(`model output ${name} is ${tensor.type}, not float32 or int64`);
        const data = tensor.data as Float32Array | BigInt64Array;
        value.outputs[name] = { type: tensor.type, dims: tensor.dims, data };
        transfer.add(data.buffer as ArrayBuffer);
      }
      return { value, transfer: [...transfer] };
    }
    case 'prefault':
      return { value: prefault(sessionOf(call.session)), transfer: [] };
    case 'release': {
      const released = sessions.get(call.session);
      sessions.delete(call.session);
      await released?.session.release();
      return { value: undefined, transfer: [] };
    }
  }
}

// Calls are answered one at a time, in the order they came: a session is never run by two calls at once.
let queue = Promise.resolve();
port.on('message', ({ id, call }: ToSessionThread) => {
  queue = queue.then(async () => {
    try {
      const { value, transfer } = await answer(call);
      port.postMessage({ id, value } satisfies FromSessionThread, transfer);
    } catch (error) {
      // A failed call, or an answer that cannot be sent: the caller hears why either way.
      port.postMessage({ id, error: sentError(error) } satisfies FromSessionThread);
    }
  });
});
