import { InvalidRequestError } from '../errors.js';

/** One object named by bucket and key. */
export interface S3Location {
  bucket: string;
  key: string;
}

export const S3_URI = /^s3:\/\/([^/]+)\/(.+)$/;

/** `s3://bucket/key` as a location; an InvalidRequestError names `what` when it is not one. */
function parseS3Uri(uri: string, what: string): S3Location {
  const match = S3_URI.exec(uri);
  if (!match) throw new InvalidRequestError(`invalid ${what} ${JSON.stringify(uri)}`, 'expected s3://bucket/key');
  return { bucket: match[1]!, key: match[2]! };
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
