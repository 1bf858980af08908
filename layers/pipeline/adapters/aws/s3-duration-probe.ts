import { MediaError, probeByteSource, resolveLimits } from '../../../media/index.js';
import type { SourceObject } from '../../core/index.js';
import type { S3ObjectStore } from './s3-object-store.js';

/**
 * Seconds of video in an S3 object, read by the in-process demuxer through ranged GETs: the container's header
 * (and, for an MP4 indexed at its end, the index there), not the whole video. Undefined when the object is gone or
 * is no readable video (not a video, damaged, no duration, too slow): the classifier then finds out why.
 */
export function s3DurationProbe(
  store: S3ObjectStore,
  timeoutMs: number,
): (source: SourceObject) => Promise<number | undefined> {
  const limits = resolveLimits({ probeTimeoutMs: timeoutMs });
  return async (source) => {
    const opened = await store.openRanges(source.key);
    if (!opened) return undefined;
    try {
      const { duration } = (await probeByteSource(source.key, opened.source, limits)).stream;
      return Number.isFinite(duration) ? duration : undefined;
    } catch (error) {
      if (error instanceof MediaError) return undefined;
      throw error;
    } finally {
      await opened.source.close();
    }
  };
}
