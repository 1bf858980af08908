import type { FrameThumbnail, Timeline } from '../api/types.js';
import { formatSeconds, percent } from '../format.js';
import { exampleSearchHref, videoHref } from '../router.js';

const SEGMENT_LABELS = 3;

/** A stable hue per label name, so one label keeps its colour along the strip. */
function hueOf(label: string): number {
  let hash = 0;
  for (const char of label) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

/** The thumbnail of the window from `start` to `end`: the first frame in it. */
function frameIn(frames: readonly FrameThumbnail[], start: number, end: number): FrameThumbnail | undefined {
  return frames.find((frame) => frame.seconds >= start && frame.seconds < end);
}

/**
 * The labels of each window of the video: a coloured strip for the eye, a table for everything else, with each
 * window's thumbnail where the result has them.
 */
export function TimelineView({
  id,
  timeline,
  frames = [],
  searchByExample = false,
}: {
  id: string;
  timeline: Timeline;
  frames?: readonly FrameThumbnail[];
  /** Each segment links to a search for moments like it. */
  searchByExample?: boolean;
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
            {frames.length > 0 && <th scope="col">Frame</th>}
            <th scope="col">Labels</th>
            {searchByExample && <th scope="col">Search</th>}
          </tr>
        </thead>
        <tbody>
          {timeline.map((segment) => {
            const frame = frames.length > 0 ? frameIn(frames, segment.startSeconds, segment.endSeconds) : undefined;
            return (
              <tr key={segment.startSeconds}>
                <th scope="row">
                  <a href={videoHref(id, segment.startSeconds)}>{formatSeconds(segment.startSeconds)}</a>
                </th>
                <td>{formatSeconds(segment.endSeconds)}</td>
                {frames.length > 0 && (
                  <td>
                    {frame && (
                      <img
                        class="frame-thumbnail"
                        src={frame.url}
                        alt={`frame at ${formatSeconds(frame.seconds)}`}
                        loading="lazy"
                        decoding="async"
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
                {searchByExample && (
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
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
