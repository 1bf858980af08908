import type { FrameThumbnail } from '../api/types.js';
import { formatSeconds } from '../format.js';

/** The frames the classifier sampled, in time order (videos classified without a timeline). */
export function FrameStrip({ frames }: { frames: readonly FrameThumbnail[] }) {
  return (
    <section aria-labelledby="frames-heading">
      <h2 id="frames-heading">Sampled frames</h2>
      <ol class="frame-strip">
        {frames.map((frame) => (
          <li key={frame.seconds}>
            <figure>
              <img class="frame-thumbnail" src={frame.url} alt="" loading="lazy" decoding="async" />
              <figcaption>{formatSeconds(frame.seconds)}</figcaption>
            </figure>
          </li>
        ))}
      </ol>
    </section>
  );
}
