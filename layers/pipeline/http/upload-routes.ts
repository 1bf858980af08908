import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_KEY_BYTES } from '../adapters/aws/index.js';
import { InvalidRequestError, parseJsonDocument, videoIdFor } from '../core/index.js';
import { errorResponse, jsonSchema } from './openapi.js';
import { type UploadKeyRules, uploadKeyFor } from './upload-keys.js';

/** How long a presigned upload URL (a whole file's or a part's) is good for. */
export const URL_LIFETIME_SECONDS = 15 * 60;

export interface UploadRouteOptions extends UploadKeyRules {
  s3: S3Client;
  bucket: string;
  /** The largest file a browser may upload. */
  maxBytes: number;
  /** The size of each part of a multipart upload but the last (UPLOAD_PART_BYTES). */
  partBytes: number;
}

export const uploadRequestSchema = z.strictObject({
  /** Key under the upload prefix, '/'-separated. */
  key: z.string().min(1).max(MAX_KEY_BYTES),
  /** Exact size of the file: the URL is signed for it. */
  bytes: z.number().int().positive(),
  contentType: z
    .string()
    .regex(/^video\/[A-Za-z0-9.+-]+$/, 'must be a video/* media type')
    .default('application/octet-stream'),
});

export const uploadResponseSchema = z.object({
  id: z.string(),
  key: z.string(),
  method: z.literal('PUT'),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});

async function requestBody(request: Request): Promise<z.output<typeof uploadRequestSchema>> {
  return parseJsonDocument(uploadRequestSchema, await request.text(), 'upload request');
}

/**
 * POST /uploads: a presigned S3 PUT URL for one video under the upload prefix, signed for the
 * file's exact size and media type, so S3 refuses any other body. The video id it returns is the
 * one GET /videos/{id} will know once the upload is classified.
 */
export function uploadRoutes(options: UploadRouteOptions): Hono {
  const app = new Hono();
  app.post('/uploads', async (c) => {
    const body = await requestBody(c.req.raw);
    const key = uploadKeyFor(body.key, options, 'upload request');
    if (body.bytes > options.maxBytes)
      throw new InvalidRequestError('invalid upload request', `bytes: at most ${options.maxBytes}`);
    const command = new PutObjectCommand({
      Bucket: options.bucket,
      Key: key,
      ContentLength: body.bytes,
      ContentType: body.contentType,
    });
    const url = await getSignedUrl(options.s3, command, {
      expiresIn: URL_LIFETIME_SECONDS,
      signableHeaders: new Set(['content-length', 'content-type']),
    });
    return c.json({
      id: videoIdFor(options.bucket, key),
      key,
      method: 'PUT' as const,
      url,
      headers: { 'content-type': body.contentType, 'content-length': String(body.bytes) },
      expiresAt: new Date(Date.now() + URL_LIFETIME_SECONDS * 1000).toISOString(),
    });
  });
  return app;
}

/** The OpenAPI path item of POST /uploads, for the API's document. */
export function uploadsOpenApiPath(): Record<string, unknown> {
  return {
    post: {
      operationId: 'createUpload',
      summary: 'A presigned S3 PUT URL for uploading one video under the upload prefix',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonSchema(uploadRequestSchema, 'input') } },
      },
      responses: {
        200: {
          description: 'Where and how to PUT the file',
          content: { 'application/json': { schema: jsonSchema(uploadResponseSchema, 'output') } },
        },
        400: errorResponse('Invalid request (code INVALID_REQUEST)'),
        413: errorResponse('Body too large (code PAYLOAD_TOO_LARGE)'),
      },
    },
  };
}
