import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, errorMessage, isAbort } from '../api/client.js';
import { API_MAX_PAGE } from '../api/operations.js';
import type { ListQuery, VideoSummary } from '../api/types.js';
import { announce } from '../components/announcer.js';
import { isSettled } from '../components/status-badge.js';
import { UploadZone } from '../components/upload-zone.js';
import { VideoCard } from '../components/video-card.js';
import { usePolling } from '../live/use-polling.js';
import { type LibraryFilters, libraryHref } from '../router.js';
import { isInFlight, type UploadTarget, useUploads } from '../uploads/upload-store.js';
import { FilterForm } from './filter-form.js';

const PAGE_SIZE = 24;
const LIVE_INTERVAL_MS = 2000;
/** About ten minutes of live updates, then the page waits for a click. */
const LIVE_MAX_TICKS = 300;

function listQuery(filters: LibraryFilters, cursor?: string, limit = PAGE_SIZE): ListQuery {
  return {
    status: filters.status,
    label: filters.label,
    since: filters.since ? new Date(`${filters.since}T00:00:00`).toISOString() : undefined,
    limit: String(limit),
    cursor,
  };
}

/** `head` followed by the videos of `rest` it does not hold. */
function mergeHead(head: VideoSummary[], rest: VideoSummary[]): VideoSummary[] {
  const inHead = new Set(head.map((video) => video.id));
  return [...head, ...rest.filter((video) => !inHead.has(video.id))];
}

/** `uploadTarget`: where this server takes uploads; none where it takes none. */
export function Library({ filters, uploadTarget }: { filters: LibraryFilters; uploadTarget?: UploadTarget }) {
  const [videos, setVideos] = useState<VideoSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const sentinel = useRef<HTMLDivElement>(null);
  const uploads = useUploads();
  const filterKey = libraryHref(filters);

  // Keyed on filterKey, which stands for the filters' values: the route makes a new filters object on every change.
  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    setError(undefined);
    api.listVideos(listQuery(filters), abort.signal).then(
      (page) => {
        setVideos(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
        announce(`${page.items.length}${page.nextCursor ? ' or more' : ''} videos`);
      },
      (failure: unknown) => {
        if (isAbort(failure)) return;
        setError(errorMessage(failure));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [filterKey]);

  const loadMore = useCallback(async () => {
    if (!cursor || loading) return;
    setLoading(true);
    try {
      const page = await api.listVideos(listQuery(filters, cursor));
      setVideos((current) => mergeHead(current, page.items));
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setLoading(false);
    }
  }, [cursor, loading, filters]);

  useEffect(() => {
    const target = sentinel.current;
    if (!target || !cursor) return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((entry) => entry.isIntersecting)) void loadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [cursor, loadMore]);

  // The loaded list read again as one page (up to the API's page bound), so statuses, labels,
  // new arrivals and videos leaving a status filter all show.
  const refresh = async () => {
    const count = Math.min(Math.max(videos.length, PAGE_SIZE), API_MAX_PAGE);
    const page = await api.listVideos(listQuery(filters, undefined, count));
    if (videos.length <= API_MAX_PAGE) {
      setVideos(page.items);
      setCursor(page.nextCursor);
    } else {
      setVideos((current) => mergeHead(page.items, current.slice(count)));
    }
  };
  const live = usePolling(refresh, videos.some((video) => !isSettled(video.status)) || uploads.some(isInFlight), {
    intervalMs: LIVE_INTERVAL_MS,
    maxTicks: LIVE_MAX_TICKS,
  });
  // An upload followed until its video settled can settle between two of the list's polls, and the polls then stop
  // with nothing unsettled in a list that never held it: one more read when an upload stops being followed.
  const followedToTheEnd = uploads.filter((entry) => entry.stored && !entry.following).length;
  useEffect(() => {
    if (followedToTheEnd > 0) void refresh().catch(() => undefined);
  }, [followedToTheEnd]);

  return (
    <>
      <h1 tabIndex={-1}>Library</h1>
      {uploadTarget && <UploadZone target={uploadTarget} />}
      <FilterForm filters={filters} />
      {live.exhausted && (
        <p class="notice">
          Live updates paused.{' '}
          <button type="button" onClick={live.resume}>
            Resume
          </button>
        </p>
      )}
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      {!loading && !error && videos.length === 0 && <p class="empty">No videos match.</p>}
      <ul class="grid" aria-label="Videos" aria-busy={loading}>
        {videos.map((video) => (
          <VideoCard key={video.id} video={video} />
        ))}
      </ul>
      {cursor && (
        <div ref={sentinel} class="more">
          <button type="button" onClick={() => void loadMore()} disabled={loading}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
