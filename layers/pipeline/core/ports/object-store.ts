import type { FetchedByteSource } from '../../../media/index.js';
import type { SourceObject } from '../result-schema.js';

/** One stored object: what its store says about the version it holds now. */
export interface ObjectInfo {
  key: string;
  bytes: number;
  version: string;
  sequence: string;
}

/** The version of an object of `bucket` that a record and a queue message name. */
export function sourceObjectOf(bucket: string, object: ObjectInfo): SourceObject {
  return { bucket, key: object.key, version: object.version, sequence: object.sequence };
}

/**
 * A bucket of objects addressed by key (S3, or a folder locally). Writes replace the whole object
 * atomically: a reader sees the old bytes or the new ones, never a part.
 */
export interface ObjectStore {
  /** Name of the bucket (or folder) this store reads, part of every video id. */
  readonly bucket: string;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** The object's bytes, or undefined when there is no such object. */
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Copies the object into a local file (videos are decoded from files); undefined when there is none. */
  download(key: string, path: string): Promise<ObjectInfo | undefined>;
  /**
   * Where the object is a local file already (a folder store): readers open it in place instead of
   * downloading a copy, and check its version afterwards, since it may change while it is read.
   */
  localPath?(key: string): string;
  /**
   * The object's current version, read in place by byte ranges (S3's ranged GETs) rather than downloaded: a reader
   * fetches only what it reads, and reading fails rather than mixing versions if the object is replaced meanwhile.
   * Undefined when there is no such object.
   */
  openRanges?(key: string): Promise<{ info: ObjectInfo; source: FetchedByteSource } | undefined>;
  /** Every object under `prefix`, in key order. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
}
