import type { Timeline } from '../api/types.js';
import { formatSeconds, percent } from '../format.js';

const SEGMENT_LABELS = 3;

/** A stable hue per label name, so one label keeps its colour along the strip. */
function hueOf(label: string): number {
  let hash = 0;
  for (const char of label) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

/** The labels of each window of the video: a coloured strip for the eye, a table for everything else. */
export function TimelineView({ timeline }: { timeline: Timeline }) {
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
            <th scope="col">Labels</th>
          </tr>
        </thead>
        <tbody>
          {timeline.map((segment) => (
            <tr key={segment.startSeconds}>
              <th scope="row">{formatSeconds(segment.startSeconds)}</th>
              <td>{formatSeconds(segment.endSeconds)}</td>
              <td>
                {segment.labels
                  .slice(0, SEGMENT_LABELS)
                  .map((label) => `${label.label} ${percent(label.score)}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
