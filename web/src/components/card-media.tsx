/**
 * The picture area of a video card. Results carry no poster yet, so it shows the file's type;
 * a poster image takes this place once they do.
 */
export function CardMedia({ name }: { name: string }) {
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
