import type { LabelScore } from '../api/types.js';
import { percent } from '../format.js';
import { libraryHref } from '../router.js';
import { ScoreBar } from './score-bar.js';

/** Every stored label of a video with its probability and logit; each label links to the library filtered by it. */
export function LabelTable({ labels, caption }: { labels: readonly LabelScore[]; caption: string }) {
  return (
    <table class="label-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Label</th>
          <th scope="col">Probability</th>
          <th scope="col">Logit</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((label, rank) => (
          <tr key={label.index}>
            <td>{rank + 1}</td>
            <th scope="row">
              <a href={libraryHref({ label: label.label })}>{label.label}</a>
            </th>
            <td>
              <span class="score-cell">
                <ScoreBar score={label.score} />
                {percent(label.score)}
              </span>
            </td>
            <td class="number">{label.logit.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
