import { z } from 'zod';
import { commaList } from '../../common/comma-list.js';
import {
  DEFAULT_TOP,
  labelScoreSchema,
  MAX_QUERY_K,
  MAX_TOP,
  modelInfoSchema,
  recordErrorSchema,
  videoRecordSchema,
  videoResultSchema,
  videoStatusSchema,
} from '../core/index.js';
import { IMAGE_TYPES, MAX_IMAGE_BYTES } from './search-limits.js';

const MAX_ID_CHARS = 200;
const MAX_TEXT_CHARS = 1000;
export const MAX_PAGE = 100;
export const MAX_K = MAX_QUERY_K;
export const MAX_RELABEL_IDS = 100;
/** Labels of one request's custom set: each new set is encoded by the text model (and cached), so it stays small. */
export const MAX_REQUEST_LABELS = 1000;

export const videoIdSchema = z.string().min(1).max(MAX_ID_CHARS);

/** Query strings arrive as text: integers are parsed strictly (no "1e3", no "12abc"). */
function integerParam(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);
}

export const listQuerySchema = z.strictObject({
  status: videoStatusSchema.optional(),
  label: z.string().min(1).max(300).optional(),
  since: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value).toISOString())
    .optional(),
  limit: integerParam(1, MAX_PAGE, 20),
  cursor: z.string().min(1).max(2000).optional(),
});

export const similarQuerySchema = z.strictObject({ k: integerParam(1, MAX_K, 10) });

/** A label set in a request: a built-in id (k400, k600, ucf101, hmdb51), "a,b,c", or a list of names. */
const labelSpecSchema = z.union([
  z
    .string()
    .min(1)
    .max(20_000)
    .refine((spec) => commaList(spec).length <= MAX_REQUEST_LABELS, `at most ${MAX_REQUEST_LABELS} labels`),
  z.array(z.string().min(1).max(300)).min(1).max(MAX_REQUEST_LABELS),
]);

/** Length of the largest query image in base64. */
const MAX_IMAGE_BASE64_CHARS = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;
export const MAX_MOMENTS = 10;
const MAX_FILTER_LABELS = 20;

const isoTimeSchema = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

/** Conditions every hit meets, pushed into the vector index's query. */
const searchFilterSchema = z
  .strictObject({
    /** Videos with at least one of these among their top labels. */
    labels: z.array(z.string().min(1).max(300)).min(1).max(MAX_FILTER_LABELS).optional(),
    /** A folder of object keys, ending in "/". */
    keyPrefix: z.string().min(1).max(1024).endsWith('/', 'must be a folder, ending in "/"').optional(),
    /** Completed at or after this time (ISO 8601). */
    completedFrom: isoTimeSchema.optional(),
    /** Completed before this time (ISO 8601). */
    completedTo: isoTimeSchema.optional(),
  })
  .refine(
    ({ completedFrom, completedTo }) => !completedFrom || !completedTo || completedFrom < completedTo,
    'completedFrom must be before completedTo',
  );

/** A DONE video as the query, or a time range of it (its timeline windows there). */
const exampleSchema = z
  .strictObject({
    videoId: videoIdSchema,
    fromSeconds: z.number().nonnegative().optional(),
    toSeconds: z.number().positive().optional(),
  })
  .refine(
    ({ fromSeconds, toSeconds }) => fromSeconds === undefined || toSeconds === undefined || fromSeconds < toSeconds,
    'fromSeconds must be before toSeconds',
  );

/** An image as the query: its bytes in base64 (JPEG, PNG or WebP; what FFmpeg reads as a picture). */
const imageSchema = z.strictObject({
  data: z.base64('must be base64').min(1).max(MAX_IMAGE_BASE64_CHARS, `at most ${MAX_IMAGE_BYTES} bytes decoded`),
  contentType: z.enum(IMAGE_TYPES).optional(),
});

const QUERY_FIELDS = ['text', 'label', 'example', 'image'] as const;

export const searchRequestSchema = z
  .strictObject({
    text: z.string().trim().min(1).max(MAX_TEXT_CHARS).optional(),
    /** A label of `labelSet`, searched for by its name. */
    label: z.string().min(1).max(300).optional(),
    labelSet: z.string().min(1).max(20).optional(),
    example: exampleSchema.optional(),
    image: imageSchema.optional(),
    k: z.number().int().min(1).max(MAX_K).default(10),
    filter: searchFilterSchema.optional(),
    /** Most moments per video (videos classified with a timeline); 0 for none. */
    moments: z.number().int().min(0).max(MAX_MOMENTS).default(3),
  })
  .refine((body) => QUERY_FIELDS.filter((field) => body[field] !== undefined).length === 1, {
    message: `give exactly one of ${QUERY_FIELDS.join(', ')}`,
  })
  .refine((body) => body.labelSet === undefined || body.label !== undefined, { message: 'labelSet goes with label' });

export const relabelRequestSchema = z.strictObject({
  ids: z.array(videoIdSchema).min(1).max(MAX_RELABEL_IDS),
  labels: labelSpecSchema.optional(),
  top: z.number().int().min(1).max(MAX_TOP).default(DEFAULT_TOP),
});

export const errorResponseSchema = z.object({ error: recordErrorSchema });

export const videoSummarySchema = z.object({
  id: z.string(),
  key: z.string(),
  status: videoStatusSchema,
  updatedAt: z.string(),
  labelSetId: z.string().optional(),
  labels: z.array(labelScoreSchema).optional(),
  error: recordErrorSchema.optional(),
  /** While PROCESSING: until when its claim holds; a time in the past means the claim was abandoned. */
  leaseUntil: z.string().optional(),
  /** URL of the poster (see thumbnailUrlsSchema). */
  thumbnail: z.string().optional(),
});

export const videoListSchema = z.object({ items: z.array(videoSummarySchema), nextCursor: z.string().nullable() });

export const momentSchema = z.object({
  startSeconds: z.number(),
  endSeconds: z.number(),
  /** Cosine similarity of the window's embedding with the query. */
  score: z.number(),
});

export const searchHitSchema = z.object({
  id: z.string(),
  key: z.string(),
  /** Cosine similarity of the video embedding with the query. */
  similarity: z.number(),
  /** Text queries: the X-CLIP logit with video-conditioned prompts, which orders the hits. */
  score: z.number().optional(),
  labels: z.array(labelScoreSchema),
  /** The best windows of the video, best first (videos classified with a timeline). */
  moments: z.array(momentSchema).optional(),
  /** URL of the poster (see thumbnailUrlsSchema). */
  thumbnail: z.string().optional(),
});
export const searchResponseSchema = z.object({ items: z.array(searchHitSchema) });

export const relabelResponseSchema = z.object({
  items: z.array(
    z.union([
      z.object({ id: z.string(), result: videoResultSchema }),
      z.object({ id: z.string(), error: recordErrorSchema }),
    ]),
  ),
});

export const labelsResponseSchema = z.object({
  defaultSet: z.string(),
  sets: z.array(z.object({ id: z.string(), count: z.number().int(), names: z.array(z.string()) })),
});

export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  model: modelInfoSchema.optional(),
  queue: z.object({ visible: z.number().int(), inFlight: z.number().int(), deadLetters: z.number().int() }).optional(),
});

/**
 * URLs of a video's thumbnails (result.thumbnails), for browsers: presigned S3 GETs on AWS, URLs the local server signs
 * locally; the same for an hour at least, valid for one more.
 */
export const thumbnailUrlsSchema = z.object({
  poster: z.string(),
  /** The frame sheet (result.thumbnails.frameSheet) at `url`. */
  frameSheet: z.object({
    url: z.string(),
    columns: z.number().int().positive(),
    tileWidth: z.number().int().positive(),
    tileHeight: z.number().int().positive(),
  }),
  frames: z.array(z.object({ seconds: z.number().nonnegative() })),
});

/** GET /videos/{id}: the record, with its thumbnails' URLs once it has any. */
export const videoResponseSchema = videoRecordSchema.extend({
  thumbnailUrls: thumbnailUrlsSchema.optional(),
  /** A URL of the video itself for a player (presigned on AWS, signed locally; byte ranges work). */
  videoUrl: z.string().optional(),
});

export { videoRecordSchema };
