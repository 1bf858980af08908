import { percent } from '../format.js';

/** A probability drawn as a bar; the number beside it is what assistive technology reads. */
export function ScoreBar({ score }: { score: number }) {
  return (
    <span class="score-bar" aria-hidden="true">
      <span style={{ width: percent(score) }} />
    </span>
  );
}
