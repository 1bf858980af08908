import { useEffect, useState } from 'preact/hooks';
import { percent } from '../format.js';
import { videoHref } from '../router.js';
import { startUploads, type UploadEntry, type UploadTarget, useUploads } from '../uploads/upload-store.js';
import { StatusBadge } from './status-badge.js';

function hasFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

/** Files dropped anywhere on the page are uploaded, so a drop never navigates away from it. */
function useWindowDrop(target: UploadTarget): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    const over = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      setDragging(true);
    };
    const leave = (event: DragEvent) => {
      if (event.relatedTarget === null) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      setDragging(false);
      startUploads([...(event.dataTransfer?.files ?? [])], target);
    };
    addEventListener('dragover', over);
    addEventListener('dragleave', leave);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragover', over);
      removeEventListener('dragleave', leave);
      removeEventListener('drop', drop);
    };
  }, [target]);
  return dragging;
}

function UploadRow({ entry }: { entry: UploadEntry }) {
  return (
    <li class="upload" data-phase={entry.phase}>
      <span class="upload-name">{entry.stored?.key ?? entry.name}</span>
      {entry.phase === 'uploading' && (
        <progress max={1} value={entry.progress} aria-label={`Uploading ${entry.name}`}>
          {percent(entry.progress)}
        </progress>
      )}
      {entry.phase === 'waiting' && <span class="muted">Waiting</span>}
      {entry.phase === 'cancelled' && <span class="muted">Cancelled</span>}
      {entry.cancel && (
        <button type="button" onClick={entry.cancel} aria-label={`Cancel ${entry.name}`}>
          Cancel
        </button>
      )}
      {entry.phase === 'stored' &&
        (entry.status ? (
          <StatusBadge status={entry.status} />
        ) : (
          <span class="muted">{entry.following ? 'Uploaded, waiting to be queued' : 'Uploaded'}</span>
        ))}
      {entry.stored && entry.status && (
        <a href={videoHref(entry.stored.id)} aria-label={`Open ${entry.stored.key}`}>
          Open
        </a>
      )}
      {entry.error && <span class="error-text">{entry.error}</span>}
    </li>
  );
}

/**
 * Uploads into the folder `xclip serve --watch` classifies, or on AWS into the bucket: a file picker, or a drop
 * anywhere on the page.
 */
export function UploadZone({ target }: { target: UploadTarget }) {
  const dragging = useWindowDrop(target);
  const uploads = useUploads();
  return (
    <section class={`upload-zone${dragging ? ' dragging' : ''}`} aria-labelledby="upload-heading">
      <h2 id="upload-heading" class="visually-hidden">
        Upload
      </h2>
      <input
        id="upload-input"
        class="visually-hidden"
        type="file"
        accept="video/*"
        multiple
        onChange={(event) => {
          const input = event.currentTarget;
          startUploads([...(input.files ?? [])], target);
          input.value = '';
        }}
      />
      <label class="button" for="upload-input">
        Upload videos
      </label>
      <span class="muted">{dragging ? 'Drop to upload' : 'or drop video files anywhere on the page'}</span>
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((entry) => (
            <UploadRow key={entry.ref} entry={entry} />
          ))}
        </ul>
      )}
    </section>
  );
}
