import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage, isAbort } from '../api/client.js';
import type { SearchHit } from '../api/types.js';
import { HitList } from './hit-list.js';

const SIMILAR_COUNT = 6;

/** The videos nearest to this one by embedding (the video itself excluded by the API). */
export function SimilarVideos({ id, version }: { id: string; version: string }) {
  const [hits, setHits] = useState<SearchHit[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    setError(undefined);
    api.similar(id, SIMILAR_COUNT, abort.signal).then(
      (response) => setHits(response.items),
      (failure: unknown) => {
        if (!isAbort(failure)) setError(errorMessage(failure));
      },
    );
    return () => abort.abort();
  }, [id, version]);

  return (
    <section aria-labelledby="similar-heading">
      <h2 id="similar-heading">Similar videos</h2>
      {error && <p class="error-text">{error}</p>}
      {hits &&
        (hits.length === 0 ? (
          <p class="empty">No other classified videos yet.</p>
        ) : (
          <HitList hits={hits} label="Similar videos" />
        ))}
    </section>
  );
}
