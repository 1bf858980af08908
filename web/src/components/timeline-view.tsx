import type { ThumbnailUrls, Timeline } from '../api/types.js';
import { formatSeconds, percent } from '../format.js';
import { exampleSearchHref, videoHref } from '../router.js';
import { FrameTile } from './frame-tile.js';

const SEGMENT_LABELS = 3;

/** A stable hue per label name, so one label keeps its colour along the strip. */
function hueOf(label: string): number {
  let hash = 0;
  for (const char of label) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

/** The index of the window's thumbnail, from `start` to `end`: the first frame in it; -1 for none. */
function frameIn(thumbnails: ThumbnailUrls | undefined, start: number, end: number): number {
  return thumbnails?.frames.findIndex((frame) => frame.seconds >= start && frame.seconds < end) ?? -1;
}

/**
 * The labels of each window of the video: a coloured strip for the eye, a table for everything else, with each
 * window's thumbnail where the result has them.
 */
export function TimelineView({
  id,
  timeline,
  thumbnails,
}: {
  id: string;
  timeline: Timeline;
  thumbnails?: ThumbnailUrls;
}) {
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <div class="timeline-strip" aria-hidden="true">
        {timeline.map((segment) => {
          const top = segment.labels[0];
          return (
            <span
              key={segment.startSeconds}
              class="timeline-segment"
              style={{
                flexGrow: Math.max(segment.endSeconds - segment.startSeconds, 0.01),
                '--hue': hueOf(top?.label ?? ''),
              }}
              title={top ? `${formatSeconds(segment.startSeconds)}: ${top.label}` : undefined}
            >
              {top?.label}
            </span>
          );
        })}
      </div>
      <table class="timeline-table">
        <caption>Top labels per segment</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">To</th>
            {thumbnails && <th scope="col">Frame</th>}
            <th scope="col">Labels</th>
            <th scope="col">Search</th>
          </tr>
        </thead>
        <tbody>
          {timeline.map((segment) => {
            const frame = frameIn(thumbnails, segment.startSeconds, segment.endSeconds);
            return (
              <tr key={segment.startSeconds}>
                <th scope="row">
                  <a href={videoHref(id, segment.startSeconds)}>{formatSeconds(segment.startSeconds)}</a>
                </th>
                <td>{formatSeconds(segment.endSeconds)}</td>
                {thumbnails && (
                  <td>
                    {frame >= 0 && (
                      <FrameTile
                        thumbnails={thumbnails}
                        index={frame}
                        label={`frame at ${formatSeconds(thumbnails.frames[frame]!.seconds)}`}
                      />
                    )}
                  </td>
                )}
                <td>
                  {segment.labels
                    .slice(0, SEGMENT_LABELS)
                    .map((label) => `${label.label} ${percent(label.score)}`)
                    .join(', ')}
                </td>
                <td>
                  <a
                    href={exampleSearchHref({
                      videoId: id,
                      fromSeconds: segment.startSeconds,
                      toSeconds: segment.endSeconds,
                    })}
                  >
                    Similar moments
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
