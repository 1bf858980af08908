// The API's JSON shapes, derived from the server's own zod schemas (type-only imports: no zod in the bundle).
import type { z } from 'zod';
import type { localUploadResponseSchema } from '../../../layers/pipeline/http/local-uploads.js';
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

/** The part of the OpenAPI document the page reads: which routes this server has. */
export interface ApiDocument {
  paths: Record<string, unknown>;
}
