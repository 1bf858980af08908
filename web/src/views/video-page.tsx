import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage, isAbort } from '../api/client.js';
import type { VideoRecord } from '../api/types.js';
import { FrameStrip } from '../components/frame-strip.js';
import { LabelTable } from '../components/label-table.js';
import { MetadataList } from '../components/metadata-list.js';
import { RelabelForm } from '../components/relabel-form.js';
import { RetryButton } from '../components/retry-button.js';
import { SimilarVideos } from '../components/similar-videos.js';
import { isSettled, StatusBadge } from '../components/status-badge.js';
import { TimelineView } from '../components/timeline-view.js';
import { VideoPlayer } from '../components/video-player.js';
import { fileName } from '../format.js';
import { usePolling } from '../live/use-polling.js';
import { exampleSearchHref, libraryHref } from '../router.js';

const LIVE_INTERVAL_MS = 1500;
/** About ten minutes of waiting for the video to finish, then the page waits for a click. */
const LIVE_MAX_TICKS = 400;

type Loaded =
  | { state: 'loading' }
  | { state: 'failed'; status: number; message: string }
  | { state: 'ready'; record: VideoRecord };

function failed(error: unknown): Loaded {
  return { state: 'failed', status: error instanceof ApiError ? error.status : 0, message: errorMessage(error) };
}

export function VideoPage({ id, at }: { id: string; at?: number }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ state: 'loading' });
    api.video(id, abort.signal).then(
      (record) => setLoaded({ state: 'ready', record }),
      (error: unknown) => {
        if (!isAbort(error)) setLoaded(failed(error));
      },
    );
    return () => abort.abort();
  }, [id]);

  const record = loaded.state === 'ready' ? loaded.record : undefined;
  const live = usePolling(
    async () => setLoaded({ state: 'ready', record: await api.video(id) }),
    record !== undefined && !isSettled(record.status),
    { intervalMs: LIVE_INTERVAL_MS, maxTicks: LIVE_MAX_TICKS },
  );

  if (loaded.state === 'loading') return <p aria-busy="true">Loading…</p>;
  if (loaded.state === 'failed')
    return (
      <>
        <h1 tabIndex={-1}>{loaded.status === 404 ? 'No such video' : 'The video cannot be shown'}</h1>
        <p class="error-text">{loaded.message}</p>
        <p>
          <a href={libraryHref()}>Back to the library</a>
        </p>
      </>
    );

  const { record: video } = loaded;
  const result = video.result;
  return (
    <article class="video-page">
      {/* Only a classified video is known to play: a failed one may be no video at all, or gone. */}
      {result && video.videoUrl ? (
        <VideoPlayer url={video.videoUrl} at={at} poster={video.thumbnailUrls?.poster} />
      ) : (
        video.thumbnailUrls && <img class="video-poster" src={video.thumbnailUrls.poster} alt="" decoding="async" />
      )}
      <header class="video-header">
        <h1 tabIndex={-1}>{fileName(video.source.key)}</h1>
        <StatusBadge status={video.status} />
      </header>
      {live.exhausted && (
        <p class="notice">
          Stopped waiting for this video.{' '}
          <button type="button" onClick={live.resume}>
            Keep waiting
          </button>
        </p>
      )}
      {video.error && (
        <p class="error-text" role="alert">
          {video.error.code}: {video.error.message}
        </p>
      )}
      {video.status === 'FAILED' && (
        <RetryButton id={video.id} onQueued={(record) => setLoaded({ state: 'ready', record })} />
      )}
      {!result && !video.error && <p class="muted">Not classified yet; this page updates when it is.</p>}
      <div class="video-columns">
        <div>
          {result && <LabelTable labels={result.labels} caption={`Labels (${result.labelSetId})`} />}
          {result?.timeline && (
            <TimelineView id={video.id} timeline={result.timeline} thumbnails={video.thumbnailUrls} />
          )}
          {!result?.timeline && video.thumbnailUrls && <FrameStrip thumbnails={video.thumbnailUrls} />}
          {result && (
            <RelabelForm
              id={video.id}
              onRelabelled={(next) => setLoaded({ state: 'ready', record: { ...video, result: next } })}
            />
          )}
        </div>
        <section aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <MetadataList record={video} />
        </section>
      </div>
      {result && (
        <p>
          <a href={exampleSearchHref({ videoId: video.id })}>Search for videos like this one</a>
        </p>
      )}
      {result && <SimilarVideos id={video.id} version={video.source.version} />}
    </article>
  );
}
