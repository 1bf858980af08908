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
  /** Releases what the source holds open; reading after it is an error. */
  close(): Promise<void>;
}

/** A ByteSource that counts the bytes read through it. */
export interface CountedByteSource extends ByteSource {
  readonly bytesRead: number;
}

export function countBytes(source: ByteSource): CountedByteSource {
  let bytesRead = 0;
  return {
    size: source.size,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset, length) {
      const bytes = await source.read(offset, length);
      bytesRead += bytes.length;
      return bytes;
    },
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
  return {
    size,
    async read(offset, length) {
      const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}
