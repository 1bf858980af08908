import { z } from 'zod';
import { BUILTIN_LABEL_SETS } from '../../../xclip/label-sets.js';
import { DEFAULT_TOP, MAX_TOP } from '../../settings.js';
import { labelSetFromRequest } from '../label-spec.js';
import {
  labelScoreSchema,
  modelInfoSchema,
  recordErrorSchema,
  sourceObjectSchema,
  timingsSchema,
} from '../result-schema.js';
import type { ClassifySettings } from '../use-cases/classify.js';
import { isS3ObjectUri } from './s3-uri.js';

/** Videos one request or manifest may name: each is classified in turn within one invocation. */
export const MAX_REQUEST_VIDEOS = 10_000;

const s3UriSchema = z.string().refine(isS3ObjectUri, 'must be s3://bucket/key');

/** A video: an s3:// URI (its current version is classified) or an object version pinned by whoever queued it. */
export const videoRefSchema = z.union([s3UriSchema, sourceObjectSchema]);
export type VideoRef = z.infer<typeof videoRefSchema>;

/** How the videos of a request are classified; absent fields take the Lambda path's defaults. */
export const classifyOptionsSchema = z.strictObject({
  /** A built-in label set id, "a,b,c", or a list of names. */
  labels: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  top: z.number().int().min(1).max(MAX_TOP).optional(),
  views: z.enum(['1x1', '4x3']).optional(),
  /** Also label every window of this many seconds (segment mode). */
  timelineSeconds: z.number().positive().optional(),
});
export type ClassifyOptions = z.infer<typeof classifyOptionsSchema>;

const videoListSchema = z.array(videoRefSchema).min(1).max(MAX_REQUEST_VIDEOS);

/** A manifest object: the videos to classify together, and how. */
export const manifestSchema = classifyOptionsSchema.extend({ videos: videoListSchema });

/**
 * The body of POST /invocations (the async endpoint's input object): exactly one of one video, a list, or a
 * manifest's location; options given here override the manifest's.
 */
export const gpuRequestSchema = classifyOptionsSchema
  .extend({
    video: videoRefSchema.optional(),
    videos: videoListSchema.optional(),
    manifest: s3UriSchema.optional(),
  })
  .refine(
    (request) => [request.video, request.videos, request.manifest].filter((field) => field !== undefined).length === 1,
    {
      message: 'give exactly one of video, videos and manifest',
    },
  );
export type GpuRequest = z.infer<typeof gpuRequestSchema>;

/** What became of one video of a request. */
export const videoOutcomeSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('DONE'),
    key: z.string(),
    id: z.string(),
    source: sourceObjectSchema,
    labels: z.array(labelScoreSchema),
    timings: timingsSchema.extend({ executionProvider: z.string() }),
  }),
  /** Without `source` when the object could not even be found. */
  z.object({
    status: z.literal('FAILED'),
    key: z.string(),
    id: z.string().optional(),
    source: sourceObjectSchema.optional(),
    error: recordErrorSchema,
  }),
  z.object({
    status: z.literal('SKIPPED'),
    key: z.string(),
    id: z.string(),
    source: sourceObjectSchema,
    reason: z.string(),
  }),
]);
export type VideoOutcome = z.infer<typeof videoOutcomeSchema>;

/** The response of POST /invocations: the async endpoint's output object. */
export const gpuSummarySchema = z.object({
  model: modelInfoSchema,
  executionProvider: z.string(),
  videos: z.array(videoOutcomeSchema),
  counts: z.object({ done: z.number().int(), failed: z.number().int(), skipped: z.number().int() }),
  timings: z.object({ totalMs: z.number().nonnegative(), executionProvider: z.string() }),
});
export type GpuSummary = z.infer<typeof gpuSummarySchema>;

/** The use case's settings for `options`; label sets are checked here (INVALID_LABELS). */
export function settingsOf(options: ClassifyOptions): ClassifySettings {
  return {
    labels: labelSetFromRequest(options.labels),
    top: options.top ?? DEFAULT_TOP,
    ...(options.views ? { views: options.views } : {}),
    ...(options.timelineSeconds ? { timelineSeconds: options.timelineSeconds } : {}),
  };
}

/** The request options that reproduce `settings` on the GPU. */
export function optionsOf(settings: ClassifySettings): ClassifyOptions {
  const { labels } = settings;
  return {
    labels: Object.hasOwn(BUILTIN_LABEL_SETS, labels.id) ? labels.id : labels.names,
    top: settings.top,
    ...(settings.views ? { views: settings.views } : {}),
    ...(settings.timelineSeconds ? { timelineSeconds: settings.timelineSeconds } : {}),
  };
}
