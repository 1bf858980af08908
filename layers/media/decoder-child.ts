/**
 * A decoder process: reads one video at a time with FFmpeg's libraries for its parent (decoder-pool.ts), so a crash
 * or a hang inside FFmpeg ends this process, not the parent. It tells its parent when it passes its memory bound,
 * and ends when its parent goes.
 */

import { sentError } from '../common/errors.js';
import type { ByteSource } from './byte-source.js';
import type { DecoderCall, FromDecoder, ToDecoder } from './decoder-protocol.js';
import { openDemuxReader } from './demux-reader.js';
import type { VideoReader } from './video-reader.js';

/** How often resident memory is checked against the bound while a video is open. */
const MEMORY_CHECK_MS = 25;

const send = (message: FromDecoder) => {
  if (process.connected) process.send?.(message);
};
const reads = new Map<number, (bytes: Uint8Array) => void>();
let nextRead = 0;
let reader: VideoReader | undefined;
let memoryCheck: NodeJS.Timeout | undefined;
let memoryBound = Number.POSITIVE_INFINITY;

function stopMemoryChecks() {
  clearInterval(memoryCheck);
  memoryBound = Number.POSITIVE_INFINITY;
}

/** Tells the parent when resident memory is past the open video's bound: on a timer, and after each call. */
function checkMemory() {
  const residentBytes = process.memoryUsage.rss();
  if (residentBytes > memoryBound) send({ kind: 'memory', residentBytes });
}

/** The parent's ByteSource, read through messages; the parent keeps it open and closes it. */
function parentSource(size: number): ByteSource {
  return {
    size,
    read: (offset, length) =>
      new Promise((resolve) => {
        const read = nextRead++;
        reads.set(read, resolve);
        send({ kind: 'read', read, offset, length });
      }),
    close: async () => {},
  };
}

async function perform(call: DecoderCall): Promise<unknown> {
  switch (call.op) {
    case 'open': {
      memoryBound = call.limits.maxDecoderBytes;
      memoryCheck = setInterval(checkMemory, MEMORY_CHECK_MS);
      const source = call.sourceSize === undefined ? undefined : parentSource(call.sourceSize);
      try {
        reader = await openDemuxReader(call.path, call.limits, { source, probe: call.probe });
      } catch (error) {
        stopMemoryChecks();
        throw error;
      }
      return reader.probe;
    }
    case 'index':
      return opened().index(call.times);
    case 'decode':
      return opened().decode(call.runs, call.size);
    case 'close': {
      stopMemoryChecks();
      const closing = reader;
      reader = undefined;
      await closing?.close();
      // Memory FFmpeg freed may stay resident: the parent retires a process that grew too far.
      return process.memoryUsage.rss();
    }
  }
}

function opened(): VideoReader {
  if (!reader) throw new Error('no video is open in this decoder process');
  return reader;
}

process.on('message', (message: ToDecoder) => {
  if (message.kind === 'bytes') {
    reads.get(message.read)?.(message.bytes);
    reads.delete(message.read);
    return;
  }
  const { id, call } = message;
  perform(call).then(
    (value) => {
      checkMemory();
      send({ kind: 'reply', id, value, bytesRead: reader?.bytesRead() });
    },
    (error: unknown) => send({ kind: 'failed', id, error: sentError(error) }),
  );
});
// process.exit can wait forever on FFmpeg's threads.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
send({ kind: 'ready' });
