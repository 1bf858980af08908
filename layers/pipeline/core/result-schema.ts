import { z } from 'zod';

/** Version of the result document; bumped on any change a reader of stored results must know about. */
export const RESULT_SCHEMA_VERSION = 1;

export const VIDEO_STATUSES = ['QUEUED', 'PROCESSING', 'DONE', 'FAILED'] as const;
export const videoStatusSchema = z.enum(VIDEO_STATUSES);
export type VideoStatus = z.infer<typeof videoStatusSchema>;

/** One stored object version: what a queue message carries and what results are keyed on. */
export const sourceObjectSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  /** Opaque id of this content (S3 version id or ETag; size and mtime locally). */
  version: z.string().min(1),
  /** Fixed-width string whose lexicographic order is the order the versions were written in. */
  sequence: z.string().min(1),
});
export type SourceObject = z.infer<typeof sourceObjectSchema>;

export const labelScoreSchema = z.object({
  label: z.string(),
  index: z.number().int().nonnegative(),
  /** Softmax probability over the label set. */
  score: z.number().min(0).max(1),
  logit: z.number(),
});

export const videoMetadataSchema = z.object({
  durationSeconds: z.number().nonnegative(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  rotation: z.number(),
  codec: z.string(),
  bytes: z.number().int().nonnegative(),
  frameRate: z.number().positive().optional(),
});

export const modelInfoSchema = z.object({
  id: z.string(),
  precision: z.string(),
  sha256: z.string(),
  /** The ONNX Runtime execution provider that ran the model (cpu, cuda, webgpu); absent in results made before it was recorded. */
  executionProvider: z.string().optional(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const timingsSchema = z.object({
  downloadMs: z.number().nonnegative(),
  decodeMs: z.number().nonnegative(),
  visionMs: z.number().nonnegative(),
  scoreMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
});

export const timelineSchema = z.array(
  z.object({
    startSeconds: z.number().nonnegative(),
    endSeconds: z.number().nonnegative(),
    labels: z.array(labelScoreSchema),
  }),
);

/** A tensor stored beside the result document in the artifact store. */
export const tensorRefSchema = z.object({
  key: z.string(),
  dtype: z.enum(['float32', 'float16']),
  shape: z.array(z.number().int().positive()),
});

/**
 * JPEG pictures stored beside the result document, made from the frames classification decoded: a poster (the middle
 * sampled frame) and one thumbnail per sampled frame, or per timeline window in segment mode, as the tiles of one
 * frame sheet. Keys in the artifact store.
 */
export const thumbnailsSchema = z.object({
  contentType: z.literal('image/jpeg'),
  poster: z.string(),
  /** Frame thumbnail i is the tile at column i % columns, row ⌊i / columns⌋, each tileWidth x tileHeight pixels. */
  frameSheet: z.object({
    key: z.string(),
    columns: z.number().int().positive(),
    tileWidth: z.number().int().positive(),
    tileHeight: z.number().int().positive(),
  }),
  /** In time order; `seconds` is the frame's time from the video stream's first frame. */
  frames: z.array(z.object({ seconds: z.number().nonnegative() })),
});
export type Thumbnails = z.infer<typeof thumbnailsSchema>;

/** The result document (results/<key>.json): everything known about one classified object version. */
export const videoResultSchema = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  videoId: z.string(),
  source: sourceObjectSchema,
  status: z.literal('DONE'),
  labelSetId: z.string(),
  /** Top-k labels, best first. */
  labels: z.array(labelScoreSchema),
  video: videoMetadataSchema,
  model: modelInfoSchema,
  /** L2-normalised video embedding, float32 [P]. */
  embedding: tensorRefSchema,
  /** Prompt visual tokens [N, P], float32 (float16 in results made before 2026-12): with the embedding, all the score graph needs to relabel, so relabel reproduces classify. */
  visualTokens: tensorRefSchema,
  timings: timingsSchema,
  timeline: timelineSchema.optional(),
  /**
   * Videos classified with a timeline: each window's L2-normalised video embedding (float32 [windows, P]) and its
   * time span. Kept by relabel (embeddings do not depend on labels); the vector index and moments read them.
   * Absent in results made before 2026-12 and in those without a timeline.
   */
  segments: z
    .object({
      embeddings: tensorRefSchema,
      spans: z.array(z.object({ startSeconds: z.number().nonnegative(), endSeconds: z.number().nonnegative() })),
    })
    .optional(),
  /** Absent in results made before thumbnails were stored. */
  thumbnails: thumbnailsSchema.optional(),
  completedAt: z.iso.datetime(),
});
export type VideoResult = z.infer<typeof videoResultSchema>;

/**
 * Why a version FAILED, as clients may see it: a stable code and a message that names no server path or internal
 * detail (those go to the logs).
 */
export const recordErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** A transient failure that outlasted its deliveries: queueing the same version again may finish it. */
  retryable: z.boolean().optional(),
});
export type RecordError = z.infer<typeof recordErrorSchema>;

/** What the result store holds per video: its latest object version, its status and, once DONE, its result. */
export const videoRecordSchema = z.object({
  id: z.string(),
  source: sourceObjectSchema,
  status: videoStatusSchema,
  /** Processing attempts of this version so far. */
  attempts: z.number().int().nonnegative(),
  error: recordErrorSchema.optional(),
  /** While PROCESSING: until when the delivery that claimed it holds it; after that the claim is abandoned. */
  leaseUntil: z.iso.datetime().optional(),
  queuedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  result: videoResultSchema.optional(),
});
export type VideoRecord = z.infer<typeof videoRecordSchema>;
