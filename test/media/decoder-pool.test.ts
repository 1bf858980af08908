import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import type { ByteSource } from '../../layers/media/byte-source.js';
import { DecoderCrashedError, DecodeTimeoutError, VideoTooLargeError } from '../../layers/media/errors.js';
import { sampleFrames } from '../../layers/media/views.js';
import { videos } from './generated-videos.js';

const request = { frames: 4, size: 32, decoder: 'in-process' } as const;

/** The decoder processes this test process started. */
function decoderProcesses(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
}

/** A video held in memory; `onRead` sees each read's number before it is answered. */
function memorySource(bytes: Uint8Array, onRead: (read: number) => Promise<void> | void = () => {}): ByteSource {
  let reads = 0;
  return {
    size: bytes.length,
    read: async (offset, length) => {
      await onRead(++reads);
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
    close: async () => {},
  };
}

/** The next video after a failure decodes as a first one does. */
async function assertStillDecodes(expected: Uint8Array[]): Promise<void> {
  const again = await sampleFrames(videos.basic(), request);
  assert.deepEqual(again.frames, expected);
}

test('a source that never answers ends in DecodeTimeoutError, and the next video still decodes', async () => {
  const first = await sampleFrames(videos.basic(), request);
  const silent: ByteSource = { size: 1_000_000, read: () => new Promise(() => {}), close: async () => {} };
  await assert.rejects(
    sampleFrames('memory:silent.mp4', { ...request, source: silent, limits: { probeTimeoutMs: 500 } }),
    DecodeTimeoutError,
  );
  await assertStillDecodes(first.frames);
});

test('a hang in the middle of reading ends in DecodeTimeoutError and frees the decoder process', async () => {
  const first = await sampleFrames(videos.basic(), request);
  const bytes = readFileSync(videos.manyReads());
  // Answers the opening reads, then stops answering.
  const stalls = memorySource(bytes, (read) => (read > 2 ? new Promise<void>(() => {}) : undefined));
  await assert.rejects(
    sampleFrames('memory:stalls.mp4', {
      ...request,
      source: stalls,
      limits: { probeTimeoutMs: 1000, decodeTimeoutMs: 1000 },
    }),
    DecodeTimeoutError,
  );
  await assertStillDecodes(first.frames);
});

test('a decoder process that crashes mid-read ends in DecoderCrashedError, and the next video still decodes', async () => {
  const first = await sampleFrames(videos.basic(), request);
  const bytes = readFileSync(videos.manyReads());
  let killed: number[] = [];
  const crashes = memorySource(bytes, (read) => {
    if (read !== 3) return;
    killed = decoderProcesses();
    for (const pid of killed) process.kill(pid, 'SIGSEGV');
  });
  await assert.rejects(
    sampleFrames('memory:crashes.mp4', { ...request, source: crashes }),
    (error: unknown) => error instanceof DecoderCrashedError && /SIGSEGV/.test(error.why),
  );
  assert.ok(killed.length > 0, 'the decoder processes were found');
  await assertStillDecodes(first.frames);
});

test('a decoder process past its memory bound ends in VideoTooLargeError, and the next video still decodes', async () => {
  const first = await sampleFrames(videos.basic(), request);
  // A bound below any Node process's size: the process is ended at its first check.
  await assert.rejects(
    sampleFrames(videos.manyReads(), { ...request, limits: { maxDecoderBytes: 1024 ** 2 } }),
    (error: unknown) => error instanceof VideoTooLargeError && /bound of 1 MiB/.test(error.why),
  );
  await assertStillDecodes(first.frames);
});

test('more videos at once than decoder processes all decode, each with its own frames', async () => {
  const paths = [videos.basic(), videos.oneKeyframe(), videos.manyReads(), videos.sar2(), videos.basic()];
  const alone = [];
  for (const path of paths) alone.push((await sampleFrames(path, request)).frames);
  const together = await Promise.all(paths.map((path) => sampleFrames(path, request)));
  assert.deepEqual(
    together.map((sampled) => sampled.frames),
    alone,
  );
  const started = decoderProcesses().length;
  assert.ok(started <= Math.max(2, availableParallelism()), `${started} decoder processes for ${paths.length} videos`);
});
