import type { z } from 'zod';
import type { ArtifactLinks, Thumbnails } from '../core/index.js';
import type { thumbnailUrlsSchema } from './schemas.js';

/** `{ thumbnail }`: the URL of the poster stored under `poster`, where there is one and links are made; else `{}`. */
export async function posterLink(
  links: ArtifactLinks | undefined,
  poster: string | undefined,
): Promise<{ thumbnail?: string }> {
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

/** Search hits with their poster's URL in place of its artifact key (none without `links`). */
export async function withPosters<Hit extends { poster?: string }>(
  links: ArtifactLinks | undefined,
  hits: Hit[],
): Promise<Array<Omit<Hit, 'poster'> & { thumbnail?: string }>> {
  return Promise.all(hits.map(async ({ poster, ...hit }) => ({ ...hit, ...(await posterLink(links, poster)) })));
}
