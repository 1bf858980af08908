import { timestampOf } from '../clock.js';
import { VIDEO_EVENT_LABELS, type VideoEvent } from '../ports/notifier.js';
import type { SourceObject } from '../result-schema.js';
import type { ClassifyDeps, ClassifyOutcome } from './classify.js';

/** The event of a settled outcome; none for a skipped one. */
export function videoEventOf(source: SourceObject, outcome: ClassifyOutcome, at: string): VideoEvent | undefined {
  if (outcome.status === 'SKIPPED') return undefined;
  const common = {
    schemaVersion: 1 as const,
    id: outcome.id,
    bucket: source.bucket,
    key: source.key,
    version: source.version,
    at,
  };
  if (outcome.status === 'FAILED') return { ...common, status: 'FAILED', error: outcome.error };
  const { result } = outcome;
  return {
    ...common,
    status: 'DONE',
    at: result.completedAt,
    labelSetId: result.labelSetId,
    labels: result.labels.slice(0, VIDEO_EVENT_LABELS).map(({ label, score }) => ({ label, score })),
  };
}

/** Sends the outcome's event where `deps` has a notifier. */
export async function announce(deps: ClassifyDeps, source: SourceObject, outcome: ClassifyOutcome): Promise<void> {
  const event = deps.notifier && videoEventOf(source, outcome, timestampOf(deps));
  if (event) await deps.notifier!.notify(event);
}
