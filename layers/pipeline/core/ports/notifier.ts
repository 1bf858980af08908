import { z } from 'zod';
import { recordErrorSchema } from '../result-schema.js';

/** EventBridge `source` of the events, and their `detail-type` per status. */
export const VIDEO_EVENT_SOURCE = 'xclip';
export const VIDEO_EVENT_DETAIL_TYPES = { DONE: 'Video Classified', FAILED: 'Video Failed' } as const;
/** Labels an event carries: the result document has the rest. */
export const VIDEO_EVENT_LABELS = 5;

/**
 * What one notification says: a video version finished (DONE) or failed (FAILED). The `detail` of the EventBridge
 * event on AWS and the body of the webhook locally; docs/video-event.schema.json is its JSON Schema.
 */
export const videoEventSchema = z.strictObject({
  schemaVersion: z.literal(1),
  id: z.string(),
  bucket: z.string(),
  key: z.string(),
  /** The object version classified (S3 version id or ETag; size and mtime locally). */
  version: z.string(),
  status: z.enum(['DONE', 'FAILED']),
  /** When the record was settled (ISO 8601). */
  at: z.iso.datetime(),
  /** DONE: the label set and its best labels, best first. */
  labelSetId: z.string().optional(),
  labels: z.array(z.strictObject({ label: z.string(), score: z.number() })).optional(),
  /** FAILED: why; `retryable` marks a transient failure that outlasted its deliveries. */
  error: recordErrorSchema.optional(),
});
export type VideoEvent = z.infer<typeof videoEventSchema>;

/**
 * Tells the world a video settled. `notify` must not block classification or fail it: an adapter delivers in the
 * background or within tight bounds, and logs what it could not deliver.
 */
export interface Notifier {
  notify(event: VideoEvent): Promise<void>;
}
