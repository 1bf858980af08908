import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hono } from 'hono';
import { z } from 'zod';
import { MAX_KEY_BYTES } from '../adapters/aws/index.js';
import { hasVideoSuffix, InvalidRequestError, parseJsonDocument, videoIdFor } from '../core/index.js';
import { jsonSchema } from './openapi.js';

const URL_LIFETIME_SECONDS = 15 * 60;

export interface UploadRouteOptions {
  s3: S3Client;
  bucket: string;
  /** Every upload key starts with it (UPLOAD_PREFIX). */
  prefix: string;
  videoSuffixes: readonly string[];
  maxBytes: number;
}

const uploadRequestSchema = z.strictObject({
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

/** Why `key` (relative to the prefix) cannot be an upload key, or undefined. */
function keyProblem(key: string, options: UploadRouteOptions): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'it contains a control character or a backslash';
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return 'it has an empty, "." or ".." path segment';
  if (Buffer.byteLength(options.prefix + key) > MAX_KEY_BYTES)
    return `with the prefix it is longer than ${MAX_KEY_BYTES} bytes`;
  if (!hasVideoSuffix(key, options.videoSuffixes))
    return `it does not end in a video suffix (${options.videoSuffixes.join(' ')})`;
  return undefined;
}

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
    const problem = keyProblem(body.key, options);
    if (problem) throw new InvalidRequestError('invalid upload request', `key ${JSON.stringify(body.key)}: ${problem}`);
    if (body.bytes > options.maxBytes)
      throw new InvalidRequestError('invalid upload request', `bytes: at most ${options.maxBytes}`);
    const key = options.prefix + body.key;
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
  const error = {
    description: 'Invalid request (code INVALID_REQUEST)',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
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
        400: error,
        413: { ...error, description: 'Body too large (code PAYLOAD_TOO_LARGE)' },
      },
    },
  };
}
