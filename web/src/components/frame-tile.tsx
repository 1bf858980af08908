import type { ThumbnailUrls } from '../api/types.js';

/**
 * Frame thumbnail `index`: a tile of the video's frame sheet (one JPEG for all of them), shown as the background of a
 * box of the tile's shape. `label` names it for assistive technology; without one it is decorative.
 */
export function FrameTile({ thumbnails, index, label }: { thumbnails: ThumbnailUrls; index: number; label?: string }) {
  const { url, columns, tileWidth, tileHeight } = thumbnails.frameSheet;
  const rows = Math.ceil(thumbnails.frames.length / columns);
  const column = index % columns;
  const row = Math.floor(index / columns);
  const percent = (at: number, of: number) => (of > 1 ? (at / (of - 1)) * 100 : 0);
  return (
    <span
      class="frame-thumbnail"
      {...(label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true' })}
      style={{
        aspectRatio: `${tileWidth} / ${tileHeight}`,
        backgroundImage: `url("${url}")`,
        backgroundSize: `${columns * 100}% ${rows * 100}%`,
        backgroundPosition: `${percent(column, columns)}% ${percent(row, rows)}%`,
      }}
    />
  );
}
