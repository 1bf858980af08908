import { useEffect, useState } from 'preact/hooks';
import { api, errorMessage, isAbort } from '../api/client.js';
import { IMAGE_TYPES, ImageRefusedError, imageQuery, MAX_IMAGE_MIB } from '../api/image-query.js';
import type { ExampleQuery, SearchHit, SearchQuery } from '../api/types.js';
import { announce } from '../components/announcer.js';
import { HitList } from '../components/hit-list.js';
import { formatSeconds } from '../format.js';
import { SEARCH_SIZES, searchHref, videoHref } from '../router.js';

type Outcome =
  | { state: 'idle' }
  | { state: 'searching' }
  /** `query`: what the hits were found for (until the next search's effect runs, the view may show a newer one). */
  | { state: 'done'; hits: SearchHit[]; query: SearchQuery }
  | { state: 'failed'; message: string };

/** What a search was for, in words. */
function describe(query: SearchQuery): string {
  if ('text' in query) return query.text;
  if ('label' in query) return query.label;
  if ('image' in query) return 'the picked image';
  const { fromSeconds, toSeconds } = query.example;
  return fromSeconds === undefined || toSeconds === undefined
    ? 'the example video'
    : `the example video from ${formatSeconds(fromSeconds)} to ${formatSeconds(toSeconds)}`;
}

function ExampleNotice({ example }: { example: ExampleQuery }) {
  return (
    <p class="notice">
      Searching by <a href={videoHref(example.videoId, example.fromSeconds)}>{describe({ example })}</a>.
    </p>
  );
}

/**
 * Search by text, by an example video or a stretch of one (from a video's page), or by an image. Text and example
 * searches live in the URL, so they can be bookmarked and the back button returns to them.
 */
export function Search({ text, k, example }: { text: string; k: number; example?: ExampleQuery }) {
  const [draft, setDraft] = useState(text);
  const [size, setSize] = useState(k);
  const [image, setImage] = useState<SearchQuery>();
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });
  const routed: SearchQuery | undefined = example ? { example } : text.trim() ? { text } : undefined;
  const query = image ?? routed;
  const queryKey = JSON.stringify(query ?? null);

  useEffect(() => {
    setDraft(text);
    setSize(k);
    setImage(undefined);
  }, [text, k, example?.videoId, example?.fromSeconds, example?.toSeconds]);

  useEffect(() => {
    if (!query) {
      setOutcome({ state: 'idle' });
      return;
    }
    const abort = new AbortController();
    setOutcome({ state: 'searching' });
    api.search({ ...query, k }, abort.signal).then(
      (response) => {
        setOutcome({ state: 'done', hits: response.items, query });
        announce(`${response.items.length} results for ${describe(query)}`);
      },
      (error: unknown) => {
        if (isAbort(error)) return;
        setOutcome({ state: 'failed', message: errorMessage(error) });
      },
    );
    return () => abort.abort();
  }, [queryKey, k]);

  return (
    <>
      <h1 tabIndex={-1}>Search</h1>
      <search>
        <form
          class="search-form"
          onSubmit={(event) => {
            event.preventDefault();
            setImage(undefined);
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
        <p class="image-search">
          <label for="image-query">Or search by an image (JPEG, PNG or WebP, up to {MAX_IMAGE_MIB} MiB)</label>{' '}
          <input
            id="image-query"
            type="file"
            accept={IMAGE_TYPES.join(',')}
            onChange={async (event) => {
              const file = event.currentTarget.files?.[0];
              if (!file) return;
              try {
                setImage(await imageQuery(file));
              } catch (error) {
                setOutcome({
                  state: 'failed',
                  message: error instanceof ImageRefusedError ? error.message : 'the image cannot be read',
                });
              }
            }}
          />
        </p>
      </search>
      {example && !image && <ExampleNotice example={example} />}
      {outcome.state === 'searching' && <p aria-busy="true">Searching…</p>}
      {outcome.state === 'failed' && (
        <p class="error-text" role="alert">
          {outcome.message}
        </p>
      )}
      {outcome.state === 'done' &&
        query &&
        (outcome.hits.length === 0 ? (
          <p class="empty">No classified videos yet.</p>
        ) : (
          <HitList hits={outcome.hits} label={`Results for ${describe(outcome.query)}`} />
        ))}
    </>
  );
}
