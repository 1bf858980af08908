import { useEffect, useRef } from 'preact/hooks';

/**
 * The video itself, by the URL the API signed for it. `at` (from the page's URL: a moment, a timeline segment) moves
 * the player there and plays.
 */
export function VideoPlayer({ url, at, poster }: { url: string; at?: number; poster?: string }) {
  const player = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = player.current;
    if (!video || at === undefined) return;
    const seek = () => {
      video.currentTime = at;
      video.play().catch(() => undefined);
    };
    if (video.readyState >= HTMLMediaElement.HAVE_METADATA) seek();
    else video.addEventListener('loadedmetadata', seek, { once: true });
    return () => video.removeEventListener('loadedmetadata', seek);
  }, [at]);
  return (
    <video ref={player} class="video-player" src={url} poster={poster} controls preload="metadata" muted playsInline />
  );
}
