/**
 * The picture area of a video card: its poster where the result has one, otherwise the file's type. Decorative: the
 * card's title names the video.
 */
export function CardMedia({ name, poster }: { name: string; poster?: string }) {
  if (poster)
    return (
      <span class="card-media" aria-hidden="true">
        <img class="card-poster" src={poster} alt="" loading="lazy" decoding="async" />
      </span>
    );
  const dot = name.lastIndexOf('.');
  const type = dot > 0 ? name.slice(dot + 1).toUpperCase() : 'VIDEO';
  return (
    <span class="card-media" aria-hidden="true">
      <svg viewBox="0 0 24 24" width="32" height="32" aria-hidden="true">
        <path d="M8 5v14l11-7z" fill="currentColor" />
      </svg>
      <span class="card-media-type">{type}</span>
    </span>
  );
}
