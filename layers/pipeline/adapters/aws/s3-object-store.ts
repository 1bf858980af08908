import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { XclipError } from '../../../common/errors.js';
import { blockCachedSource, type FetchedByteSource, VideoTooLargeError } from '../../../media/index.js';
import type { ObjectInfo, ObjectStore } from '../../core/index.js';
import { InvalidKeyError } from '../../core/index.js';
import { objectSequence, versionOfEtag } from './object-versions.js';

export const MAX_KEY_BYTES = 1024;
/** S3's bounds on a multipart upload: parts per upload, and the size of each part but the last. */
export const MAX_PARTS = 10_000;
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 ** 3;

function checkedKey(key: string): string {
  if (key.length === 0) throw new InvalidKeyError(key, 'it is empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new InvalidKeyError(key, `it is longer than S3's ${MAX_KEY_BYTES} bytes`);
  return key;
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}

/** S3 sends the size, ETag and modification time with every HEAD, GET and listed object. */
function infoOf(key: string, object: { ContentLength?: number; ETag?: string; LastModified?: Date }): ObjectInfo {
  return {
    key,
    bytes: object.ContentLength!,
    version: versionOfEtag(object.ETag!),
    sequence: objectSequence(object.LastModified!),
  };
}

/** Passes bytes through until more than `limit` have gone by, then fails the stream. */
function byteLimit(key: string, limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength;
      done(seen > limit ? new VideoTooLargeError(key, `more than the limit of ${limit} bytes`) : null, chunk);
    },
  });
}

/** The object was replaced while its ranges were read: this version is gone, a newer one has its own delivery. */
export class ObjectChangedError extends XclipError {
  constructor(key: string) {
    super('OBJECT_CHANGED', `video ${key} changed while it was read`, 'a newer version replaced it');
  }
}

export interface S3ObjectStoreOptions {
  maxDownloadBytes?: number;
  /** Keys per ListObjectsV2 page (S3 returns at most 1000). */
  listPageSize?: number;
}

/**
 * An ObjectStore over one S3 bucket. Downloads stream to a file, refuse objects over
 * `maxDownloadBytes` (from the object's size, and again while streaming), and leave no partial file.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly maxDownloadBytes: number;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly options: S3ObjectStoreOptions = {},
  ) {
    this.maxDownloadBytes = options.maxDownloadBytes ?? Number.POSITIVE_INFINITY;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      return infoOf(key, await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) })));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) }));
      return Buffer.from(await response.Body!.transformToByteArray());
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: checkedKey(key), Body: bytes, ContentType: contentType }),
    );
  }

  async download(key: string, path: string): Promise<ObjectInfo | undefined> {
    let response: GetObjectCommandOutput;
    try {
      response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const body = response.Body as Readable;
    if ((response.ContentLength ?? 0) > this.maxDownloadBytes) {
      body.destroy();
      throw new VideoTooLargeError(
        key,
        `${response.ContentLength} bytes exceeds the limit of ${this.maxDownloadBytes} bytes`,
      );
    }
    try {
      await pipeline(body, byteLimit(key, this.maxDownloadBytes), createWriteStream(path));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return infoOf(key, response);
  }

  async openRanges(key: string): Promise<{ info: ObjectInfo; source: FetchedByteSource } | undefined> {
    let head: HeadObjectCommandOutput;
    try {
      head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: checkedKey(key) }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const info = infoOf(key, head);
    const source = blockCachedSource(info.bytes, async (offset, length) => {
      // IfMatch: a replaced object fails the read (412) instead of mixing two versions' bytes.
      let response: GetObjectCommandOutput;
      try {
        response = await this.s3.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Range: `bytes=${offset}-${offset + length - 1}`,
            IfMatch: head.ETag,
          }),
        );
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)
          throw new ObjectChangedError(key);
        if (isMissing(error)) throw new ObjectChangedError(key);
        throw error;
      }
      // Where a server ignores IfMatch, the ETag it answers with still tells.
      if (response.ETag !== head.ETag) {
        await response.Body!.transformToByteArray();
        throw new ObjectChangedError(key);
      }
      return response.Body!.transformToByteArray();
    });
    return { info, source };
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          MaxKeys: this.options.listPageSize,
        }),
      );
      for (const object of page.Contents ?? []) {
        yield infoOf(object.Key!, { ContentLength: object.Size, ETag: object.ETag, LastModified: object.LastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
