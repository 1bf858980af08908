import type { LabelScore } from '../api/types.js';
import { percent } from '../format.js';

/** A few labels with their scores as bars: the compact form cards and result lists use. */
export function TopLabels({ labels }: { labels: readonly LabelScore[] }) {
  return (
    <ol class="top-labels">
      {labels.map((label) => (
        <li key={label.index}>
          <span class="top-label-name">{label.label}</span>
          <span class="top-label-score">{percent(label.score)}</span>
          <span class="score-bar" aria-hidden="true">
            <span style={{ width: percent(label.score) }} />
          </span>
        </li>
      ))}
    </ol>
  );
}
