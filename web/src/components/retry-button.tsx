import { useState } from 'preact/hooks';
import { api, errorMessage } from '../api/client.js';
import type { VideoRecord } from '../api/types.js';

/** Queues a FAILED video again (POST /videos/{id}/retry); the page then follows it live. */
export function RetryButton({ id, onQueued }: { id: string; onQueued: (record: VideoRecord) => void }) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  return (
    <p class="retry">
      <button
        type="button"
        disabled={state.busy}
        onClick={async () => {
          setState({ busy: true });
          try {
            onQueued(await api.retry(id));
            setState({ busy: false });
          } catch (error) {
            setState({ busy: false, error: errorMessage(error) });
          }
        }}
      >
        {state.busy ? 'Queueing…' : 'Retry'}
      </button>
      {state.error && (
        <span class="error-text" role="alert">
          {' '}
          {state.error}
        </span>
      )}
    </p>
  );
}
