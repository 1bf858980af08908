import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { type LibraryFilters, libraryHref } from '../router.js';

const STATUS_OPTIONS = [
  ['', 'Any status'],
  ['QUEUED', 'Queued'],
  ['PROCESSING', 'Processing'],
  ['DONE', 'Done'],
  ['FAILED', 'Failed'],
] as const;

/** Names of the default label set, offered as suggestions for the label filter. */
function useDefaultLabelNames(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    const abort = new AbortController();
    api.labelSets(abort.signal).then(
      (sets) => setNames(sets.sets.find((set) => set.id === sets.defaultSet)?.names ?? []),
      () => undefined,
    );
    return () => abort.abort();
  }, []);
  return names;
}

/** Filters live in the URL: changing one navigates, so a filtered view can be bookmarked and shared. */
export function FilterForm({ filters }: { filters: LibraryFilters }) {
  const [label, setLabel] = useState(filters.label ?? '');
  const names = useDefaultLabelNames();
  useEffect(() => setLabel(filters.label ?? ''), [filters.label]);
  const go = (change: Partial<LibraryFilters>) => {
    location.hash = libraryHref({ ...filters, ...change });
  };

  return (
    <form
      class="filters"
      aria-label="Filter videos"
      onSubmit={(event) => {
        event.preventDefault();
        go({ label: label.trim() || undefined });
      }}
    >
      <label>
        Status
        <select
          value={filters.status ?? ''}
          onChange={(event) => go({ status: (event.currentTarget.value || undefined) as LibraryFilters['status'] })}
        >
          {STATUS_OPTIONS.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      <label>
        Label
        <input
          type="search"
          list="label-names"
          value={label}
          placeholder="e.g. surfing water"
          onInput={(event) => setLabel(event.currentTarget.value)}
        />
      </label>
      <datalist id="label-names">
        {names.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <label>
        Updated since
        <input
          type="date"
          value={filters.since ?? ''}
          onChange={(event) => go({ since: event.currentTarget.value || undefined })}
        />
      </label>
      <button type="submit">Filter</button>
      {(filters.status || filters.label || filters.since) && (
        <a class="clear" href={libraryHref()}>
          Clear filters
        </a>
      )}
    </form>
  );
}
