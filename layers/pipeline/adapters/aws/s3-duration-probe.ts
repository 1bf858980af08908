import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { MediaError } from '../../../media/errors.js';
import { type MediaTools, mediaTools, runTool } from '../../../media/tools.js';
import type { SourceObject } from '../../core/index.js';

/** ffprobe reads within seconds; the URL outlives any probe. */
const URL_LIFETIME_SECONDS = 300;

/**
 * Seconds of video in an S3 object, read by ffprobe over a presigned GET: ffprobe fetches the container's header
 * (and, for an MP4 indexed at its end, seeks there with range requests), not the whole video. Undefined when
 * ffprobe cannot tell (not a video, damaged, no duration, too slow): the classifier then finds out why.
 */
export function s3DurationProbe(
  s3: S3Client,
  timeoutMs: number,
  tools: MediaTools = mediaTools(),
): (source: SourceObject) => Promise<number | undefined> {
  return async (source) => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: source.bucket, Key: source.key }), {
      expiresIn: URL_LIFETIME_SECONDS,
    });
    let stdout: Buffer;
    try {
      const result = await runTool(
        tools.ffprobe,
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', url],
        { subject: source.key, timeoutMs },
      );
      if (result.exitCode !== 0) return undefined;
      stdout = result.stdout;
    } catch (error) {
      if (error instanceof MediaError) return undefined;
      throw error;
    }
    const seconds = Number(
      (JSON.parse(stdout.toString('utf8')) as { format?: { duration?: string } }).format?.duration,
    );
    return Number.isFinite(seconds) ? seconds : undefined;
  };
}
