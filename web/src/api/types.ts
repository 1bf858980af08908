// The API's JSON shapes, derived from the server's own zod schemas (type-only imports: no zod in the bundle).
import type { z } from 'zod';
import type { localUploadResponseSchema } from '../../../layers/pipeline/http/local-uploads.js';
import type {
  completedUploadSchema,
  multipartUploadSchema,
  partUrlsSchema,
  uploadedPartsSchema,
  uploadLimitsSchema,
} from '../../../layers/pipeline/http/multipart-upload-routes.js';
import type {
  errorResponseSchema,
  healthResponseSchema,
  labelsResponseSchema,
  listQuerySchema,
  relabelRequestSchema,
  relabelResponseSchema,
  searchHitSchema,
  searchRequestSchema,
  searchResponseSchema,
  videoListSchema,
  videoResponseSchema,
  videoSummarySchema,
} from '../../../layers/pipeline/http/schemas.js';
import type { uploadRequestSchema, uploadResponseSchema } from '../../../layers/pipeline/http/upload-routes.js';

export type ListQuery = z.input<typeof listQuerySchema>;
export type VideoSummary = z.output<typeof videoSummarySchema>;
export type VideoList = z.output<typeof videoListSchema>;
export type VideoRecord = z.output<typeof videoResponseSchema>;
export type VideoStatus = VideoRecord['status'];
export type VideoResult = NonNullable<VideoRecord['result']>;
export type LabelScore = VideoResult['labels'][number];
export type Timeline = NonNullable<VideoResult['timeline']>;
export type ThumbnailUrls = NonNullable<VideoRecord['thumbnailUrls']>;
export type SearchRequest = z.input<typeof searchRequestSchema>;
export type ExampleQuery = NonNullable<SearchRequest['example']>;
export type ImageQuery = NonNullable<SearchRequest['image']>;
/** What a search is for: exactly one of the request's query fields (its schema refuses none or two). */
export type SearchQuery =
  | Required<Pick<SearchRequest, 'text'>>
  | (Required<Pick<SearchRequest, 'label'>> & Pick<SearchRequest, 'labelSet'>)
  | Required<Pick<SearchRequest, 'example'>>
  | Required<Pick<SearchRequest, 'image'>>;
export type SearchHit = z.output<typeof searchHitSchema>;
export type SearchResponse = z.output<typeof searchResponseSchema>;
export type RelabelRequest = z.input<typeof relabelRequestSchema>;
export type RelabelResponse = z.output<typeof relabelResponseSchema>;
export type LabelSets = z.output<typeof labelsResponseSchema>;
export type Health = z.output<typeof healthResponseSchema>;
export type ErrorBody = z.output<typeof errorResponseSchema>;
export type LocalUpload = z.output<typeof localUploadResponseSchema>;
export type UploadRequest = z.input<typeof uploadRequestSchema>;
export type PresignedUpload = z.output<typeof uploadResponseSchema>;
export type UploadLimits = z.output<typeof uploadLimitsSchema>;
export type MultipartUpload = z.output<typeof multipartUploadSchema>;
export type PartUrls = z.output<typeof partUrlsSchema>;
export type UploadedParts = z.output<typeof uploadedPartsSchema>;
/** Where an upload was stored: its video id and object key. */
export type StoredUpload = z.output<typeof completedUploadSchema>;
/** Names one multipart upload in the calls after its creation. */
export interface MultipartRef {
  key: string;
  uploadId: string;
}

/** The part of the OpenAPI document the page reads: which routes this server has. */
export interface ApiDocument {
  paths: Record<string, unknown>;
}
