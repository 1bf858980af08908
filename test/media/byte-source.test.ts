import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type ByteSource, blockCachedSource, memoryByteSource } from '../../layers/media/byte-source.js';
import { openDemuxReader } from '../../layers/media/demux-reader.js';
import { CorruptVideoError, NotAVideoError } from '../../layers/media/errors.js';
import { DEFAULT_MEDIA_LIMITS } from '../../layers/media/limits.js';
import { sampleFrames } from '../../layers/media/views.js';
import { videos } from './generated-videos.js';

/** A video held in memory, read the way a ranged GET would serve it. */
function memorySource(bytes: Uint8Array): ByteSource & { reads: number } {
  const source = {
    size: bytes.length,
    reads: 0,
    read: async (offset: number, length: number) => {
      source.reads++;
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
    close: async () => {},
  };
  return source;
}

test('a ByteSource gives the frames the file gives, and the bytes read are counted', async () => {
  const path = videos.basic();
  const fromFile = await sampleFrames(path, { frames: 4, size: 32, decoder: 'in-process' });
  const source = memorySource(readFileSync(path));
  const fromSource = await sampleFrames('memory:basic.mp4', { frames: 4, size: 32, decoder: 'in-process', source });
  assert.deepEqual(fromSource.frames, fromFile.frames);
  assert.deepEqual(fromSource.times, fromFile.times);
  assert.ok(source.reads > 0);
  assert.ok(fromSource.bytesRead! > 0 && fromSource.bytesRead === fromFile.bytesRead, `${fromSource.bytesRead} bytes`);
});

test('a synchronous read that throws ends the open or the read in its own error, and the process lives on', async () => {
  // Megabytes: reading on after the open needs more than FFmpeg's first buffer.
  const bytes = readFileSync(videos.manyReads());
  const failure = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
  let failing = true;
  const memory = memoryByteSource(bytes);
  const source: ByteSource = {
    ...memory,
    readSync: (offset, into) => {
      if (failing) throw failure;
      return memory.readSync!(offset, into);
    },
  };
  await assert.rejects(openDemuxReader('memory:many-reads.mp4', DEFAULT_MEDIA_LIMITS, { source }), failure);
  failing = false;
  const reader = await openDemuxReader('memory:many-reads.mp4', DEFAULT_MEDIA_LIMITS, { source });
  try {
    failing = true;
    await assert.rejects(reader.index([0.5, 1.5]), failure);
  } finally {
    await reader.close();
  }
});

test('bytes that are no video, or a cut-off MP4, give typed errors through a ByteSource', async () => {
  const text = memorySource(new TextEncoder().encode('not a video at all, just text\n'.repeat(100)));
  await assert.rejects(
    sampleFrames('memory:text.mp4', { frames: 4, size: 32, decoder: 'in-process', source: text }),
    NotAVideoError,
  );
  const whole = readFileSync(videos.basic());
  const cut = memorySource(whole.subarray(0, Math.floor(whole.length / 3)));
  await assert.rejects(
    sampleFrames('memory:cut.mp4', { frames: 4, size: 32, decoder: 'in-process', source: cut }),
    CorruptVideoError,
  );
});

test('a block-cached source fetches aligned blocks once, ahead when reading on, within its bound', async () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const fetches: number[] = [];
  let failNext = false;
  const source = blockCachedSource(
    bytes.length,
    async (offset, length) => {
      if (failNext) {
        failNext = false;
        throw new Error('the network failed');
      }
      fetches.push(offset);
      return bytes.slice(offset, offset + length);
    },
    { blockBytes: 100, maxBlocks: 3, readAhead: 1 },
  );
  assert.deepEqual(await source.read(150, 100), bytes.subarray(150, 250));
  assert.deepEqual(fetches, [100, 200], 'a read across two blocks fetches both');
  assert.deepEqual(await source.read(250, 100), bytes.subarray(250, 350));
  assert.deepEqual(fetches, [100, 200, 300, 400], 'reading on into the next block fetches the one after it too');
  assert.deepEqual(await source.read(990, 100), bytes.subarray(990, 1000), 'fewer bytes only at the end');
  await source.read(150, 10);
  assert.deepEqual(fetches, [100, 200, 300, 400, 900, 100], 'at most 3 blocks are kept, least recently used going');
  assert.equal(source.bytesFetched, 600);
  failNext = true;
  await assert.rejects(source.read(0, 10), /network/);
  assert.deepEqual(await source.read(0, 10), bytes.subarray(0, 10), 'a failed fetch is asked again');
});
