import type { ThumbnailUrls } from '../api/types.js';
import { formatSeconds } from '../format.js';
import { FrameTile } from './frame-tile.js';

/** The frames the classifier sampled, in time order (videos classified without a timeline). */
export function FrameStrip({ thumbnails }: { thumbnails: ThumbnailUrls }) {
  return (
    <section aria-labelledby="frames-heading">
      <h2 id="frames-heading">Sampled frames</h2>
      <ol class="frame-strip">
        {thumbnails.frames.map((frame, index) => (
          <li key={frame.seconds}>
            <figure>
              <FrameTile thumbnails={thumbnails} index={index} />
              <figcaption>{formatSeconds(frame.seconds)}</figcaption>
            </figure>
          </li>
        ))}
      </ol>
    </section>
  );
}
