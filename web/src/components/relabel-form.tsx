import { useEffect, useState } from 'preact/hooks';
import { DEFAULT_TOP, MAX_TOP } from '../../../layers/pipeline/settings.js';
import { api, errorMessage } from '../api/client.js';
import type { LabelSets, VideoResult } from '../api/types.js';
import { announce } from './announcer.js';

const CUSTOM = 'custom';

/** "a, b\nc" -> ["a", "b", "c"]: one label per line or comma, blanks and repeats dropped. */
function parseLabelList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((label) => label.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * New labels for a classified video from its stored embedding (no decoding): a built-in set or the
 * user's own list. The stored result is replaced, so `onRelabelled` gets the new one.
 */
export function RelabelForm({ id, onRelabelled }: { id: string; onRelabelled: (result: VideoResult) => void }) {
  const [sets, setSets] = useState<LabelSets>();
  const [choice, setChoice] = useState(CUSTOM);
  const [custom, setCustom] = useState('');
  const [top, setTop] = useState(DEFAULT_TOP);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    api.labelSets(abort.signal).then(setSets, () => undefined);
    return () => abort.abort();
  }, []);

  const submit = async () => {
    const labels = choice === CUSTOM ? parseLabelList(custom) : choice;
    if (Array.isArray(labels) && labels.length === 0) {
      setError('Enter at least one label.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const [outcome] = (await api.relabel({ ids: [id], labels, top })).items;
      if (outcome && 'result' in outcome) {
        onRelabelled(outcome.result);
        announce(`Relabelled with ${outcome.result.labelSetId}`);
      } else {
        setError(outcome?.error.message ?? 'no result');
      }
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="relabel-heading">
      <h2 id="relabel-heading">Relabel</h2>
      <p class="muted">
        Scores the stored embedding against other labels without decoding the video again. The new labels replace the
        stored ones; a timeline is dropped, since its windows cannot be rescored without decoding.
      </p>
      <form
        class="relabel-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label>
          Labels
          <select value={choice} onChange={(event) => setChoice(event.currentTarget.value)}>
            <option value={CUSTOM}>My own list</option>
            {sets?.sets.map((set) => (
              <option key={set.id} value={set.id}>
                {set.id} ({set.count} labels)
              </option>
            ))}
          </select>
        </label>
        {choice === CUSTOM && (
          <label class="grow">
            One label per line or comma
            <textarea
              rows={4}
              value={custom}
              placeholder={'dog agility\nsurfing\ncooking'}
              onInput={(event) => setCustom(event.currentTarget.value)}
            />
          </label>
        )}
        <label>
          Keep
          <input
            type="number"
            min={1}
            max={MAX_TOP}
            value={top}
            onInput={(event) => setTop(Number(event.currentTarget.value) || DEFAULT_TOP)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Relabelling…' : 'Relabel'}
        </button>
      </form>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
