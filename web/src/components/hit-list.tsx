import type { SearchHit } from '../api/types.js';
import { fileName, formatSeconds } from '../format.js';
import { videoHref } from '../router.js';
import { CardMedia } from './card-media.js';
import { TopLabels } from './top-labels.js';

const HIT_LABELS = 3;

/** Ranked videos from a search or a similarity query, best first. */
export function HitList({ hits, label }: { hits: readonly SearchHit[]; label: string }) {
  return (
    <ol class="hits" aria-label={label}>
      {hits.map((hit) => (
        <li key={hit.id} class="hit">
          <CardMedia name={hit.key} poster={hit.thumbnail} />
          <div>
            <h3 class="card-title">
              <a href={videoHref(hit.id)} title={hit.key}>
                {fileName(hit.key)}
              </a>
            </h3>
            <p class="muted">
              cosine similarity {hit.similarity.toFixed(3)}
              {hit.score !== undefined && <> · X-CLIP logit {hit.score.toFixed(2)}</>}
            </p>
            <TopLabels labels={hit.labels.slice(0, HIT_LABELS)} />
            {hit.moments && hit.moments.length > 0 && (
              <ul class="moments" aria-label={`Moments in ${fileName(hit.key)}`}>
                {hit.moments.map((moment) => (
                  <li key={moment.startSeconds}>
                    <a href={videoHref(hit.id, moment.startSeconds)}>
                      {formatSeconds(moment.startSeconds)} – {formatSeconds(moment.endSeconds)}
                    </a>{' '}
                    <span class="muted">score {moment.score.toFixed(3)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </li>
      ))}
    </ol>
  );
}
