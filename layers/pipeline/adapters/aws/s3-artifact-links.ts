import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type ArtifactLinks, LINK_WINDOW_MS, linkWindowStart } from '../../core/index.js';

/**
 * Presigned S3 GETs of artifacts (thumbnails) for browsers. Dated at the start of the current window and valid for two,
 * so the URL of a picture stays the same for a while and browsers cache it.
 */
export class S3ArtifactLinks implements ArtifactLinks {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  urlOf(key: string): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      signingDate: linkWindowStart(this.now()),
      expiresIn: (2 * LINK_WINDOW_MS) / 1000,
    });
  }
}
