/**
 * First bytes of the containers users upload: a damaged file that starts like one of them is corrupt, anything
 * else that cannot be opened is not a video. ISO BMFF (MP4/MOV/3GP) box types sit at offset 4.
 */
const CONTAINER_SIGNATURES: { offset: number; bytes: string }[] = [
  ...['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot'].map((box) => ({ offset: 4, bytes: box })),
  { offset: 0, bytes: '\x1a\x45\xdf\xa3' }, // EBML: Matroska, WebM
  { offset: 0, bytes: 'RIFF' },
  { offset: 0, bytes: 'FLV' },
  { offset: 0, bytes: 'OggS' },
  { offset: 0, bytes: '\x47' }, // MPEG-TS sync byte
  { offset: 0, bytes: '\x00\x00\x01\xba' }, // MPEG-PS pack header
];

/** Bytes from the start of a file that startsLikeContainer needs. */
export const SIGNATURE_BYTES = 16;

export function startsLikeContainer(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1');
  return CONTAINER_SIGNATURES.some(({ offset, bytes }) => text.slice(offset, offset + bytes.length) === bytes);
}
