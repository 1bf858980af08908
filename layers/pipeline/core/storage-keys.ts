import { createHash } from 'node:crypto';

/** Where a video's artifacts live in the artifact store (DESIGN.md "Storage"). */
export interface ArtifactKeys {
  result: string;
  /** P little-endian float32, L2-normalised. */
  embedding: string;
  /** N * P little-endian float32 (float16 in results made before 2026-12). */
  visualTokens: string;
  /** Timeline windows * P little-endian float32, each row L2-normalised (videos classified with a timeline). */
  segments: string;
  /** Stem of the JPEG thumbnails' keys (see thumbnailKey). */
  thumbnails: string;
}

/** Key of a video's poster or of its sheet of frame thumbnails. */
export function thumbnailKey(keys: ArtifactKeys, which: 'poster' | 'frames'): string {
  return `${keys.thumbnails}.${which}.jpg`;
}

/** S3's longest key. */
const MAX_KEY_BYTES = 1024;
/** The longest file name most local file systems take: the local store keeps keys as paths. */
const MAX_SEGMENT_BYTES = 255;
/** Artifacts of keys that do not fit beside their prefix and suffix are stored under a digest of the key. */
const HASHED_PREFIX = '_hashed/';

function fits(key: string): boolean {
  return (
    Buffer.byteLength(key) <= MAX_KEY_BYTES &&
    key.split('/').every((part) => Buffer.byteLength(part) <= MAX_SEGMENT_BYTES)
  );
}

function keysOf(base: string): ArtifactKeys {
  return {
    result: `results/${base}.json`,
    embedding: `embeddings/${base}.f32`,
    visualTokens: `tokens/${base}.f32`,
    segments: `segments/${base}.f32`,
    thumbnails: `thumbnails/${base}`,
  };
}

/**
 * The artifact keys of the video at `key`: the key itself between a prefix and a suffix, so a person can find them,
 * or, where that would pass S3's key limit or a file name limit (a key near 1,024 bytes), a sha256 of the key.
 */
export function artifactKeysFor(key: string): ArtifactKeys {
  const readable = keysOf(key);
  // The thumbnail keys are as long as each other.
  if ([...Object.values(readable), thumbnailKey(readable, 'poster')].every(fits)) return readable;
  return keysOf(`${HASHED_PREFIX}${createHash('sha256').update(key).digest('hex')}`);
}
