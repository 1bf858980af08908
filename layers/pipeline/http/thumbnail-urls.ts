import type { z } from 'zod';
import type { ArtifactLinks, ResultStore, Thumbnails, VideoRecord } from '../core/index.js';
import type { thumbnailUrlsSchema } from './schemas.js';

/** Where the API gets thumbnail URLs from; without `links` it gives none. */
export interface ThumbnailDeps {
  results: ResultStore;
  links?: ArtifactLinks;
}

/** `{ thumbnail }`: the poster's URL of `record`, where it has one; `{}` otherwise. */
export async function posterOf(
  links: ArtifactLinks | undefined,
  record: VideoRecord | undefined,
): Promise<{ thumbnail?: string }> {
  const poster = record?.result?.thumbnails?.poster;
  return links && poster ? { thumbnail: await links.urlOf(poster) } : {};
}

/** `{ thumbnailUrls }` of a result's thumbnails, where it has any. */
export async function thumbnailUrlsOf(
  links: ArtifactLinks | undefined,
  thumbnails: Thumbnails | undefined,
): Promise<{ thumbnailUrls?: z.output<typeof thumbnailUrlsSchema> }> {
  if (!links || !thumbnails) return {};
  const { key, ...layout } = thumbnails.frameSheet;
  return {
    thumbnailUrls: {
      poster: await links.urlOf(thumbnails.poster),
      frameSheet: { url: await links.urlOf(key), ...layout },
      frames: thumbnails.frames,
    },
  };
}

/** Search hits, each with its video's poster URL where it has one (one record read per hit; k is bounded). */
export async function withPosters<Hit extends { id: string }>(
  deps: ThumbnailDeps,
  hits: Hit[],
): Promise<Array<Hit & { thumbnail?: string }>> {
  if (!deps.links) return hits;
  return Promise.all(
    hits.map(async (hit) => ({ ...hit, ...(await posterOf(deps.links, await deps.results.get(hit.id))) })),
  );
}
