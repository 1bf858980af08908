import { InvalidRequestError } from '../errors.js';

/** One object named by bucket and key. */
export interface S3Location {
  bucket: string;
  key: string;
}

const S3_LOCATION = /^s3:\/\/([^/]+)(?:\/(.*))?$/s;

/**
 * `s3://bucket/key` as a location, or with `prefix` `s3://bucket[/prefix]` (the key then may be empty); an
 * InvalidRequestError names `what` when it is not one.
 */
export function parseS3Uri(uri: string, what: string, keyKind: 'key' | 'prefix' = 'key'): S3Location {
  const match = S3_LOCATION.exec(uri);
  const key = match?.[2] ?? '';
  if (!match || (keyKind === 'key' && key === ''))
    throw new InvalidRequestError(`invalid ${what} ${JSON.stringify(uri)}`, `expected s3://bucket/${keyKind}`);
  return { bucket: match[1]!, key };
}

/** Whether `uri` names one object as `s3://bucket/key`. */
export function isS3ObjectUri(uri: string): boolean {
  return Boolean(S3_LOCATION.exec(uri)?.[2]);
}

export function s3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** The key of `uri` in `bucket`; another bucket is refused, since a store reads only its own. */
export function keyInBucket(uri: string, bucket: string, what: string): string {
  const location = parseS3Uri(uri, what);
  if (location.bucket !== bucket)
    throw new InvalidRequestError(
      `invalid ${what} ${JSON.stringify(uri)}`,
      `only objects of bucket ${bucket} can be read`,
    );
  return location.key;
}
