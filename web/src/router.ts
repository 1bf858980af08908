import type { ExampleQuery, VideoStatus } from './api/types.js';

export interface LibraryFilters {
  status?: VideoStatus;
  label?: string;
  /** A calendar day, YYYY-MM-DD: videos updated on or after its start (local time). */
  since?: string;
}

export type Route =
  | { view: 'library'; filters: LibraryFilters }
  /** A text search, or a search by an example video (`like`), optionally a time range of it. */
  | { view: 'search'; text: string; k: number; example?: ExampleQuery }
  /** `at`: where the player starts, seconds. */
  | { view: 'video'; id: string; at?: number }
  | { view: 'missing' };

const STATUSES: readonly string[] = ['QUEUED', 'PROCESSING', 'DONE', 'FAILED'];
export const SEARCH_SIZES = [5, 10, 20, 50] as const;
const DEFAULT_SEARCH_SIZE = 10;

/** Routes live in the URL's fragment, so the server serves one page and the back button works. */
export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2);
  const query = new URLSearchParams(search);
  if (path === '' || path === '/') {
    const status = query.get('status') ?? undefined;
    const since = query.get('since') ?? undefined;
    return {
      view: 'library',
      filters: {
        status: status && STATUSES.includes(status) ? (status as VideoStatus) : undefined,
        label: query.get('label') || undefined,
        since: since && /^\d{4}-\d{2}-\d{2}$/.test(since) ? since : undefined,
      },
    };
  }
  if (path === '/search') {
    const k = Number(query.get('k'));
    const like = query.get('like');
    const from = seconds(query.get('from'));
    const to = seconds(query.get('to'));
    const range = from !== undefined && to !== undefined && from < to ? { fromSeconds: from, toSeconds: to } : {};
    return {
      view: 'search',
      text: like ? '' : (query.get('q') ?? ''),
      k: (SEARCH_SIZES as readonly number[]).includes(k) ? k : DEFAULT_SEARCH_SIZE,
      ...(like ? { example: { videoId: like, ...range } } : {}),
    };
  }
  const video = /^\/videos\/([^/]+)$/.exec(path);
  if (video) {
    try {
      const at = seconds(query.get('t'));
      return { view: 'video', id: decodeURIComponent(video[1]!), ...(at !== undefined ? { at } : {}) };
    } catch {
      return { view: 'missing' };
    }
  }
  return { view: 'missing' };
}

/** A time in a URL: a finite number of seconds, not negative. */
function seconds(value: string | null): number | undefined {
  if (value === null || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function withQuery(path: string, entries: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(entries))
    if (value !== undefined && value !== '') query.set(name, String(value));
  const search = query.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export function libraryHref(filters: LibraryFilters = {}): string {
  return withQuery('/', { status: filters.status, label: filters.label, since: filters.since });
}

export function searchHref(text = '', k = DEFAULT_SEARCH_SIZE): string {
  return withQuery('/search', { q: text, k: text ? k : undefined });
}

/** Videos (or moments) like video `videoId`, or like its stretch from `fromSeconds` to `toSeconds`. */
export function exampleSearchHref(example: ExampleQuery, k = DEFAULT_SEARCH_SIZE): string {
  return withQuery('/search', { like: example.videoId, from: example.fromSeconds, to: example.toSeconds, k });
}

/** The video's page; with `at`, its player starts there. */
export function videoHref(id: string, at?: number): string {
  return withQuery(`/videos/${encodeURIComponent(id)}`, { t: at });
}
