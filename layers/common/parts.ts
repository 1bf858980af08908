// How a multipart upload cuts a file, the same in the API that signs each part's URL for its size and in the
// page that sends the slices.

/** Parts of a `bytes`-long file cut in `partBytes` parts, the last one smaller. */
export function partCountOf(bytes: number, partBytes: number): number {
  return Math.ceil(bytes / partBytes);
}

/** Bytes of part `partNumber` (from 1) of a `bytes`-long file cut in `partBytes` parts. */
export function partSizeOf(partNumber: number, bytes: number, partBytes: number): number {
  return Math.min(partBytes, bytes - (partNumber - 1) * partBytes);
}
