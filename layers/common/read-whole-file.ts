import { open } from 'node:fs/promises';

/** Bytes per concurrent read: below twice this a file is read in one call. */
const MIN_PART_BYTES = 8 * 1024 * 1024;
/** Concurrent reads of one file: libuv's thread pool holds four threads by default. */
const MAX_PARTS = 4;

/**
 * A whole file read into one buffer by up to four concurrent reads. Where first-touch page faults are dear (on
 * the 2-core virtual machine of BENCHMARKS.md about 17 µs each) one thread reads 128 MB in about 0.5 s; the
 * faults of concurrent reads are taken on every core (about 0.25 s). `expectedBytes`, where given, is checked
 * before anything is read.
 */
export async function readWholeFile(path: string, expectedBytes?: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (expectedBytes !== undefined && size !== expectedBytes)
      throw new Error(`${path} has ${size} bytes, ${expectedBytes} were expected`);
    const bytes = Buffer.allocUnsafeSlow(size);
    const parts = Math.max(1, Math.min(MAX_PARTS, Math.floor(size / MIN_PART_BYTES)));
    const partBytes = Math.ceil(size / parts);
    await Promise.all(
      Array.from({ length: parts }, async (_, part) => {
        const end = Math.min(size, (part + 1) * partBytes);
        for (let at = part * partBytes; at < end; ) {
          const { bytesRead } = await handle.read(bytes, at, end - at, at);
          if (bytesRead === 0) throw new Error(`${path} ended at byte ${at} of ${size} while being read`);
          at += bytesRead;
        }
      }),
    );
    return bytes;
  } finally {
    await handle.close();
  }
}
