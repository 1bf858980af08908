import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { XclipError } from '../common/errors.js';

/**
 * Random access to a video's bytes: what the in-process demuxer reads through. A local file is one; an S3 object
 * read with ranged GETs is another.
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Up to `length` bytes from `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The same read without waiting, where the bytes are at hand (a local file, memory): up to `into.length` bytes
   * from `offset` into `into`, returning how many (fewer only at the end of the source). The demuxer then reads on
   * the calling thread into one buffer of its own, without a round trip through libuv's pool and a fresh buffer
   * per read (the bench clip's decode: 341 -> 238 ms, BENCHMARKS.md).
   */
  readSync?(offset: number, into: Uint8Array): number;
  /** Releases what the source holds open; reading after it is an error. */
  close(): Promise<void>;
}

/** A ByteSource that counts the bytes read through it. */
export interface CountedByteSource extends ByteSource {
  readonly bytesRead: number;
}

export function countBytes(source: ByteSource): CountedByteSource {
  let bytesRead = 0;
  const counted = <T extends number | Uint8Array>(read: T): T => {
    bytesRead += typeof read === 'number' ? read : read.length;
    return read;
  };
  const { readSync } = source;
  return {
    size: source.size,
    get bytesRead() {
      return bytesRead;
    },
    read: async (offset, length) => counted(await source.read(offset, length)),
    ...(readSync && { readSync: (offset: number, into: Uint8Array) => counted(readSync.call(source, offset, into)) }),
    close: () => source.close(),
  };
}

/** Opens a local file as a ByteSource. */
export async function fileByteSource(path: string): Promise<ByteSource> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new XclipError(
      'FILE_UNREADABLE',
      `cannot read ${path}`,
      (error as NodeJS.ErrnoException).code ?? String(error),
    );
  }
  const { size } = await handle.stat();
  const available = (offset: number, length: number) => Math.max(0, Math.min(length, size - offset));
  return {
    size,
    async read(offset, length) {
      const bytes = Buffer.allocUnsafe(available(offset, length));
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, offset);
      return bytes.subarray(0, bytesRead);
    },
    readSync: (offset, into) => readSync(handle.fd, into, 0, available(offset, into.length), offset),
    close: () => handle.close(),
  };
}

/** Bytes held in memory as a ByteSource (an uploaded image). */
export function memoryByteSource(bytes: Uint8Array): ByteSource {
  const slice = (offset: number, length: number) => bytes.subarray(offset, Math.min(bytes.length, offset + length));
  return {
    size: bytes.length,
    read: async (offset, length) => slice(offset, length),
    readSync: (offset, into) => {
      const read = slice(offset, into.length);
      into.set(read);
      return read.length;
    },
    close: async () => {},
  };
}

/** A ByteSource over a remote object, counting the bytes it fetched (read-ahead included). */
export interface FetchedByteSource extends ByteSource {
  readonly bytesFetched: number;
}

export interface BlockCacheOptions {
  /** Bytes per fetch, aligned to multiples of it: one ranged request each. */
  blockBytes: number;
  /** Blocks kept, least recently used going first: the source's memory bound. */
  maxBlocks: number;
  /** Blocks fetched ahead while reading goes on from one block into the next. */
  readAhead: number;
}

/**
 * The demuxer's own reads are 256 KiB: blocks of that size make a seek cost about what it reads, and reading ahead
 * 3 of them keeps a sequential scan from waiting on each request. 64 blocks bound a video's cache at 16 MiB.
 */
export const DEFAULT_BLOCK_CACHE: Readonly<BlockCacheOptions> = {
  blockBytes: 256 * 1024,
  maxBlocks: 64,
  readAhead: 3,
};

/**
 * A ByteSource of `size` bytes fetched with `fetchRange` in aligned blocks, kept in a bounded cache. Where reading
 * moves on into the next block the ones after it are fetched ahead, so a sequential scan waits on few requests; a
 * seek fetches only the blocks it reads. A failed fetch is not kept: the next read asks again.
 */
export function blockCachedSource(
  size: number,
  fetchRange: (offset: number, length: number) => Promise<Uint8Array>,
  options: BlockCacheOptions = DEFAULT_BLOCK_CACHE,
): FetchedByteSource {
  const { blockBytes, maxBlocks, readAhead } = options;
  const blockCount = Math.ceil(size / blockBytes);
  // A Map keeps insertion order: the first key is the least recently used.
  const blocks = new Map<number, Promise<Uint8Array>>();
  let bytesFetched = 0;
  let lastBlock = -1;
  const block = (index: number): Promise<Uint8Array> => {
    let bytes = blocks.get(index);
    if (bytes) blocks.delete(index);
    else {
      const offset = index * blockBytes;
      bytes = fetchRange(offset, Math.min(blockBytes, size - offset)).then((fetched) => {
        bytesFetched += fetched.length;
        return fetched;
      });
      bytes.catch(() => blocks.delete(index));
    }
    blocks.set(index, bytes);
    while (blocks.size > maxBlocks) blocks.delete(blocks.keys().next().value!);
    return bytes;
  };
  return {
    size,
    get bytesFetched() {
      return bytesFetched;
    },
    async read(offset, length) {
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const first = Math.floor(offset / blockBytes);
      const last = Math.floor((end - 1) / blockBytes);
      const wanted = Array.from({ length: last - first + 1 }, (_, i) => block(first + i));
      const readsOn = lastBlock >= 0 && first <= lastBlock + 1 && last > lastBlock;
      if (readsOn)
        for (let ahead = last + 1; ahead <= Math.min(last + readAhead, blockCount - 1); ahead++)
          block(ahead).catch(() => undefined);
      lastBlock = last;
      const parts = await Promise.all(wanted);
      const start = offset - first * blockBytes;
      if (parts.length === 1) return parts[0]!.subarray(start, start + (end - offset));
      const joined = new Uint8Array(end - offset);
      let at = 0;
      parts.forEach((part, i) => {
        const piece = part.subarray(i === 0 ? start : 0, Math.min(part.length, end - (first + i) * blockBytes));
        joined.set(piece, at);
        at += piece.length;
      });
      return joined;
    },
    close: async () => {
      blocks.clear();
    },
  };
}
