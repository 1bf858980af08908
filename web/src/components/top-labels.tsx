import type { LabelScore } from '../api/types.js';
import { percent } from '../format.js';
import { ScoreBar } from './score-bar.js';

/** A few labels with their scores as bars: the compact form cards and result lists use. */
export function TopLabels({ labels }: { labels: readonly LabelScore[] }) {
  return (
    <ol class="top-labels">
      {labels.map((label) => (
        <li key={label.index}>
          <span class="top-label-name">{label.label}</span>
          <span class="top-label-score">{percent(label.score)}</span>
          <ScoreBar score={label.score} />
        </li>
      ))}
    </ol>
  );
}
