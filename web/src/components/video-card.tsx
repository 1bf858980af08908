import type { VideoSummary } from '../api/types.js';
import { fileName, formatDate } from '../format.js';
import { videoHref } from '../router.js';
import { CardMedia } from './card-media.js';
import { StatusBadge } from './status-badge.js';
import { TopLabels } from './top-labels.js';

const CARD_LABELS = 3;

/** One video of the library grid; the title is its one link, stretched over the whole card. */
export function VideoCard({ video }: { video: VideoSummary }) {
  return (
    <li class="card" data-status={video.status}>
      <CardMedia name={video.key} poster={video.thumbnail} />
      <h3 class="card-title">
        <a href={videoHref(video.id)} title={video.key}>
          {fileName(video.key)}
        </a>
      </h3>
      <StatusBadge status={video.status} />
      {video.labels && <TopLabels labels={video.labels.slice(0, CARD_LABELS)} />}
      {video.error && <p class="error-text">{video.error.message}</p>}
      <p class="card-date">
        <time dateTime={video.updatedAt}>{formatDate(video.updatedAt)}</time>
      </p>
    </li>
  );
}
