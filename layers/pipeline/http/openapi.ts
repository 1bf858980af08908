import { z } from 'zod';
import { VIDEO_STATUSES } from '../core/index.js';
import {
  errorResponseSchema,
  healthResponseSchema,
  labelsResponseSchema,
  MAX_K,
  MAX_PAGE,
  relabelRequestSchema,
  relabelResponseSchema,
  searchRequestSchema,
  searchResponseSchema,
  videoListSchema,
  videoResponseSchema,
} from './schemas.js';

/** JSON Schema (2020-12, as OpenAPI 3.1 uses) of a zod schema, for a request (`input`) or a response (`output`). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const SCHEMAS = {
  Error: jsonSchema(errorResponseSchema, 'output'),
  VideoRecord: jsonSchema(videoResponseSchema, 'output'),
  VideoList: jsonSchema(videoListSchema, 'output'),
  SearchRequest: jsonSchema(searchRequestSchema, 'input'),
  SearchResponse: jsonSchema(searchResponseSchema, 'output'),
  RelabelRequest: jsonSchema(relabelRequestSchema, 'input'),
  RelabelResponse: jsonSchema(relabelResponseSchema, 'output'),
  Labels: jsonSchema(labelsResponseSchema, 'output'),
  Health: jsonSchema(healthResponseSchema, 'output'),
};

function ref(name: keyof typeof SCHEMAS) {
  return { $ref: `#/components/schemas/${name}` };
}

function json(description: string, name: keyof typeof SCHEMAS) {
  return { description, content: { 'application/json': { schema: ref(name) } } };
}

/** A response whose body is the Error schema. */
export function errorResponse(description: string) {
  return json(description, 'Error');
}

const errors = {
  400: json('Invalid request (code INVALID_REQUEST, INVALID_CURSOR or INVALID_LABELS)', 'Error'),
  500: json('Internal error (code INTERNAL)', 'Error'),
};

const videoIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Video id (URL-encoded)',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};

function queryParameter(name: string, description: string, schema: Record<string, unknown>) {
  return { name, in: 'query', required: false, description, schema };
}

/** The OpenAPI 3.1 description of createApi's routes. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'X-CLIP video API',
      version: '1.0.0',
      description:
        'Video classification results, search (text, example video, image; with moments) and similar videos.',
    },
    paths: {
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness and model/queue status',
          responses: { 200: json('Healthy', 'Health'), 500: errors[500] },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: {
            200: { description: 'OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } },
          },
        },
      },
      '/labels': {
        get: {
          operationId: 'listLabelSets',
          summary: 'Built-in label sets',
          responses: { 200: json('Label sets', 'Labels'), 500: errors[500] },
        },
      },
      '/videos': {
        get: {
          operationId: 'listVideos',
          summary: 'Videos, most recently updated first; by score when filtered by label',
          parameters: [
            queryParameter('status', 'Only videos in this status', { type: 'string', enum: [...VIDEO_STATUSES] }),
            queryParameter('label', 'Only videos with this label among their top labels', {
              type: 'string',
              minLength: 1,
              maxLength: 300,
            }),
            queryParameter('since', 'Only videos updated at or after this time (ISO 8601)', {
              type: 'string',
              format: 'date-time',
            }),
            queryParameter('limit', 'Page size', { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 20 }),
            queryParameter('cursor', 'nextCursor of the previous page of the same query', { type: 'string' }),
          ],
          responses: { 200: json('A page of videos', 'VideoList'), ...errors },
        },
      },
      '/videos/{id}': {
        get: {
          operationId: 'getVideo',
          summary: 'One video: status, and its result once DONE',
          parameters: [videoIdParameter],
          responses: {
            200: json('The video', 'VideoRecord'),
            404: json('No such video (code NOT_FOUND)', 'Error'),
            ...errors,
          },
        },
      },
      '/videos/{id}/similar': {
        get: {
          operationId: 'similarVideos',
          summary: 'Videos nearest to this one by embedding cosine, from the vector index',
          parameters: [
            videoIdParameter,
            queryParameter('k', 'How many', { type: 'integer', minimum: 1, maximum: MAX_K, default: 10 }),
          ],
          responses: {
            200: json('Nearest videos, best first', 'SearchResponse'),
            404: json('No such video (code NOT_FOUND)', 'Error'),
            409: json('The video is not classified yet (code NOT_READY)', 'Error'),
            ...errors,
          },
        },
      },
      '/videos/{id}/retry': {
        post: {
          operationId: 'retryVideo',
          summary: 'Classify a FAILED video (or one whose claim was abandoned) again',
          parameters: [videoIdParameter],
          responses: {
            202: json('The video, QUEUED again', 'VideoRecord'),
            404: json('No such video (code NOT_FOUND)', 'Error'),
            409: json('The video is DONE, QUEUED or being classified, or no worker runs (code NOT_READY)', 'Error'),
            ...errors,
          },
        },
      },
      '/search': {
        post: {
          operationId: 'search',
          summary:
            'Videos matching a text, a label, an example video (or a time range of it) or an image: candidates from ' +
            'the vector index (filters applied inside it), a text re-ranked by the X-CLIP score graph; each hit with ' +
            'its best moments when it was classified with a timeline. Writes nothing.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('SearchRequest') } } },
          responses: {
            200: json('Matching videos, best first', 'SearchResponse'),
            400: json(
              'Invalid request (code INVALID_REQUEST, INVALID_LABELS, INVALID_VECTOR_INPUT, or NOT_AN_IMAGE for an image that cannot be decoded)',
              'Error',
            ),
            404: json('No such example video (code NOT_FOUND)', 'Error'),
            409: json('The example video is not DONE (code NOT_READY)', 'Error'),
            413: json('Body too large (code PAYLOAD_TOO_LARGE)', 'Error'),
            422: json('The model has no tokenizer (code NO_TOKENIZER)', 'Error'),
            500: errors[500],
          },
        },
      },
      '/relabel': {
        post: {
          operationId: 'relabel',
          summary: 'New labels for classified videos from their stored embeddings (no decoding)',
          requestBody: { required: true, content: { 'application/json': { schema: ref('RelabelRequest') } } },
          responses: {
            200: json('One result or error per id', 'RelabelResponse'),
            413: json('Body too large (code PAYLOAD_TOO_LARGE)', 'Error'),
            ...errors,
          },
        },
      },
    },
    components: { schemas: SCHEMAS },
  };
}
