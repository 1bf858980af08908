import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage, isAbort } from '../api/client.js';
import type { SearchHit } from '../api/types.js';
import { announce } from '../components/announcer.js';
import { HitList } from '../components/hit-list.js';
import { SEARCH_SIZES, searchHref } from '../router.js';

type Outcome =
  | { state: 'idle' }
  | { state: 'searching' }
  | { state: 'done'; hits: SearchHit[] }
  | { state: 'failed'; message: string };

/** Text search: the query lives in the URL, so a search can be bookmarked and the back button returns to it. */
export function Search({ text, k }: { text: string; k: number }) {
  const [draft, setDraft] = useState(text);
  const [size, setSize] = useState(k);
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });
  useEffect(() => {
    setDraft(text);
    setSize(k);
    if (!text.trim()) {
      setOutcome({ state: 'idle' });
      return;
    }
    const abort = new AbortController();
    setOutcome({ state: 'searching' });
    api.search({ text, k }, abort.signal).then(
      (response) => {
        setOutcome({ state: 'done', hits: response.items });
        announce(`${response.items.length} results for ${text}`);
      },
      (error: unknown) => {
        if (isAbort(error)) return;
        setOutcome({ state: 'failed', message: errorMessage(error) });
      },
    );
    return () => abort.abort();
  }, [text, k]);

  return (
    <>
      <h1 tabIndex={-1}>Search</h1>
      <search>
        <form
          class="search-form"
          onSubmit={(event) => {
            event.preventDefault();
            location.hash = searchHref(draft.trim(), size);
          }}
        >
          <label class="grow">
            Describe what happens in the video
            <input
              type="search"
              name="q"
              required
              maxLength={1000}
              value={draft}
              placeholder="e.g. someone surfing a wave"
              onInput={(event) => setDraft(event.currentTarget.value)}
            />
          </label>
          <label>
            Results
            <select value={size} onChange={(event) => setSize(Number(event.currentTarget.value))}>
              {SEARCH_SIZES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Search</button>
        </form>
      </search>
      {outcome.state === 'searching' && <p aria-busy="true">Searching…</p>}
      {outcome.state === 'failed' && (
        <p class="error-text" role="alert">
          {outcome.message}
        </p>
      )}
      {outcome.state === 'done' &&
        (outcome.hits.length === 0 ? (
          <p class="empty">No classified videos yet.</p>
        ) : (
          <HitList hits={outcome.hits} label={`Results for ${text}`} />
        ))}
    </>
  );
}
