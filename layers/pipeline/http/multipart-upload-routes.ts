import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hono } from 'hono';
import { z } from 'zod';
import { partCountOf, partSizeOf } from '../../common/parts.js';
import { MAX_KEY_BYTES, MAX_PARTS } from '../adapters/aws/index.js';
import { InvalidRequestError, NotFoundError, parseJsonDocument, videoIdFor } from '../core/index.js';
import { validated } from './api-app.js';
import { errorResponse, jsonSchema } from './openapi.js';
import { checkedUploadKey, uploadKeyFor } from './upload-keys.js';
import { type UploadRouteOptions, URL_LIFETIME_SECONDS, uploadRequestSchema } from './upload-routes.js';

/** Part URLs one request may ask for. */
const MAX_PART_URLS = 100;
/** ListParts pages (S3 gives at most 1000 parts a page) one listing may read: enough for MAX_PARTS. */
const MAX_LIST_PAGES = MAX_PARTS / 1000 + 1;

const uploadIdSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'must be an uploadId POST /uploads/multipart gave');
const uploadRefShape = { key: z.string().min(1).max(MAX_KEY_BYTES), uploadId: uploadIdSchema };
const partNumberSchema = z.number().int().min(1).max(MAX_PARTS);

const partUrlsRequestSchema = z.strictObject({
  ...uploadRefShape,
  /** The file's exact size, as given when the upload was created: each part's URL is signed for its size. */
  bytes: z.number().int().positive(),
  partNumbers: z.array(partNumberSchema).min(1).max(MAX_PART_URLS),
});
const listPartsQuerySchema = z.strictObject(uploadRefShape);
const completeRequestSchema = z.strictObject({
  ...uploadRefShape,
  parts: z
    .array(
      z.strictObject({
        partNumber: partNumberSchema,
        etag: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[\x20-\x7e]+$/, 'must be the ETag S3 answered the part with'),
      }),
    )
    .min(1)
    .max(MAX_PARTS),
});
const abortRequestSchema = z.strictObject(uploadRefShape);

export const uploadLimitsSchema = z.object({
  /** The largest file an upload may have. */
  maxBytes: z.number().int(),
  /** Files larger than one part go up in parts of this size (the last one smaller). */
  partBytes: z.number().int(),
  maxParts: z.number().int(),
  maxPartUrls: z.number().int(),
  urlLifetimeSeconds: z.number().int(),
});
export const multipartUploadSchema = z.object({
  id: z.string(),
  key: z.string(),
  uploadId: z.string(),
  partBytes: z.number().int(),
  partCount: z.number().int(),
});
export const partUrlsSchema = z.object({
  parts: z.array(z.object({ partNumber: z.number().int(), url: z.string(), bytes: z.number().int() })),
  expiresAt: z.string(),
});
export const uploadedPartsSchema = z.object({
  parts: z.array(z.object({ partNumber: z.number().int(), etag: z.string(), bytes: z.number().int() })),
});
export const completedUploadSchema = z.object({ id: z.string(), key: z.string() });
export const abortedUploadSchema = z.object({ key: z.string(), aborted: z.literal(true) });

/** The largest file under these settings: MAX_VIDEO_BYTES, and at most MAX_PARTS parts. */
function maxUploadBytes(options: UploadRouteOptions): number {
  return Math.min(options.maxBytes, options.partBytes * MAX_PARTS);
}

/** S3's refusals a caller can cause, as typed errors; anything else stays an internal error. */
function callerError(error: unknown): unknown {
  if (!(error instanceof S3ServiceException)) return error;
  if (error.name === 'NoSuchUpload') return new NotFoundError('multipart upload');
  if (error.name === 'InvalidPart' || error.name === 'InvalidPartOrder')
    return new InvalidRequestError(
      'cannot complete the upload',
      'a part is missing or its ETag is not the one S3 gave when it was sent',
    );
  if (error.name === 'EntityTooSmall')
    return new InvalidRequestError('cannot complete the upload', 'a part other than the last is too small');
  return error;
}

async function s3Call<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw callerError(error);
  }
}

/**
 * Multipart uploads straight from the browser to S3, for files larger than one part: create (the part size is the
 * server's), presigned PUT URLs for a batch of parts (each signed for its exact size), the parts S3 holds (to resume),
 * complete and abort. Keys follow POST /uploads's rules; every call names a key under the upload prefix.
 */
export function multipartUploadRoutes(options: UploadRouteOptions): Hono {
  const app = new Hono();
  const { s3, bucket, partBytes } = options;
  const maxBytes = maxUploadBytes(options);
  const checkedKey = (key: string) => checkedUploadKey(key, options, 'multipart upload request');
  const checkedBytes = (bytes: number) => {
    if (bytes > maxBytes)
      throw new InvalidRequestError('invalid multipart upload request', `bytes: at most ${maxBytes}`);
  };

  app.get('/uploads/limits', (c) =>
    c.json({
      maxBytes,
      partBytes,
      maxParts: MAX_PARTS,
      maxPartUrls: MAX_PART_URLS,
      urlLifetimeSeconds: URL_LIFETIME_SECONDS,
    }),
  );

  app.post('/uploads/multipart', async (c) => {
    const body = parseJsonDocument(uploadRequestSchema, await c.req.text(), 'multipart upload request');
    const key = uploadKeyFor(body.key, options, 'multipart upload request');
    checkedBytes(body.bytes);
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: body.contentType }),
    );
    return c.json(
      {
        id: videoIdFor(bucket, key),
        key,
        uploadId: created.UploadId!,
        partBytes,
        partCount: partCountOf(body.bytes, partBytes),
      },
      201,
    );
  });

  app.post('/uploads/multipart/urls', async (c) => {
    const body = parseJsonDocument(partUrlsRequestSchema, await c.req.text(), 'part URL request');
    const key = checkedKey(body.key);
    checkedBytes(body.bytes);
    const partCount = partCountOf(body.bytes, partBytes);
    const partNumbers = [...new Set(body.partNumbers)];
    const beyond = partNumbers.find((partNumber) => partNumber > partCount);
    if (beyond !== undefined)
      throw new InvalidRequestError(
        'invalid part URL request',
        `part ${beyond}: a ${body.bytes}-byte file has ${partCount}`,
      );
    const parts = await Promise.all(
      partNumbers.map(async (partNumber) => {
        const bytes = partSizeOf(partNumber, body.bytes, partBytes);
        const command = new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: body.uploadId,
          PartNumber: partNumber,
          ContentLength: bytes,
        });
        const url = await getSignedUrl(s3, command, {
          expiresIn: URL_LIFETIME_SECONDS,
          signableHeaders: new Set(['content-length']),
        });
        return { partNumber, url, bytes };
      }),
    );
    return c.json({ parts, expiresAt: new Date(Date.now() + URL_LIFETIME_SECONDS * 1000).toISOString() });
  });

  app.get('/uploads/multipart/parts', async (c) => {
    const query = validated(listPartsQuerySchema, c.req.query(), 'query');
    const key = checkedKey(query.key);
    const parts: z.output<typeof uploadedPartsSchema>['parts'] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const listed = await s3Call(() =>
        s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: query.uploadId, PartNumberMarker: marker })),
      );
      for (const part of listed.Parts ?? [])
        parts.push({ partNumber: part.PartNumber!, etag: part.ETag!, bytes: part.Size! });
      if (!listed.IsTruncated || !listed.NextPartNumberMarker) break;
      marker = listed.NextPartNumberMarker;
    }
    return c.json({ parts });
  });

  app.post('/uploads/multipart/complete', async (c) => {
    const body = parseJsonDocument(completeRequestSchema, await c.req.text(), 'complete request');
    const key = checkedKey(body.key);
    const numbers = body.parts.map((part) => part.partNumber);
    if (new Set(numbers).size !== numbers.length)
      throw new InvalidRequestError('invalid complete request', 'each part number at most once');
    const parts = [...body.parts]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map((part) => ({ PartNumber: part.partNumber, ETag: part.etag }));
    await s3Call(() =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: body.uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    return c.json({ id: videoIdFor(bucket, key), key });
  });

  app.post('/uploads/multipart/abort', async (c) => {
    const body = parseJsonDocument(abortRequestSchema, await c.req.text(), 'abort request');
    const key = checkedKey(body.key);
    await s3Call(() => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: body.uploadId })));
    return c.json({ key, aborted: true as const });
  });

  return app;
}

function jsonContent(schema: z.ZodType, io: 'input' | 'output') {
  return { 'application/json': { schema: jsonSchema(schema, io) } };
}

const invalid = errorResponse('Invalid request (code INVALID_REQUEST)');
const noSuchUpload = errorResponse('No such multipart upload: completed, aborted or never created (code NOT_FOUND)');
const tooLarge = errorResponse('Body too large (code PAYLOAD_TOO_LARGE)');

function operation(
  operationId: string,
  summary: string,
  request: { schema: z.ZodType } | { query: Record<string, string> },
  reply: { status: number; description: string; schema: z.ZodType },
  notFound = true,
) {
  return {
    operationId,
    summary,
    ...('schema' in request
      ? { requestBody: { required: true, content: jsonContent(request.schema, 'input') } }
      : {
          parameters: Object.entries(request.query).map(([name, description]) => ({
            name,
            in: 'query',
            required: true,
            description,
            schema: { type: 'string', minLength: 1 },
          })),
        }),
    responses: {
      [reply.status]: { description: reply.description, content: jsonContent(reply.schema, 'output') },
      400: invalid,
      ...(notFound ? { 404: noSuchUpload } : {}),
      ...('schema' in request ? { 413: tooLarge } : {}),
    },
  };
}

/** The OpenAPI path items of the multipart routes and GET /uploads/limits, for the API's document. */
export function multipartUploadsOpenApiPaths(): Record<string, unknown> {
  return {
    '/uploads/limits': {
      get: {
        operationId: 'uploadLimits',
        summary: 'The largest upload, and the part size above which files go up in parts (POST /uploads/multipart)',
        responses: { 200: { description: 'Upload limits', content: jsonContent(uploadLimitsSchema, 'output') } },
      },
    },
    '/uploads/multipart': {
      post: operation(
        'createMultipartUpload',
        'Starts an S3 multipart upload of one video under the upload prefix (same key rules as POST /uploads)',
        { schema: uploadRequestSchema },
        {
          status: 201,
          description: 'The upload: its id, key, uploadId, part size and part count',
          schema: multipartUploadSchema,
        },
        false,
      ),
    },
    '/uploads/multipart/urls': {
      post: operation(
        'multipartUploadUrls',
        `Presigned PUT URLs (short-lived) for up to ${MAX_PART_URLS} parts, each signed for its exact size; S3 answers each PUT with the part's ETag`,
        { schema: partUrlsRequestSchema },
        { status: 200, description: 'One URL per part number', schema: partUrlsSchema },
        false,
      ),
    },
    '/uploads/multipart/parts': {
      get: operation(
        'listMultipartUploadParts',
        'The parts S3 holds of an unfinished upload, to resume it',
        { query: { key: 'The upload key (prefix included)', uploadId: 'The uploadId' } },
        { status: 200, description: 'Uploaded parts, by part number', schema: uploadedPartsSchema },
      ),
    },
    '/uploads/multipart/complete': {
      post: operation(
        'completeMultipartUpload',
        'Joins the parts into the video (which is then classified like any upload)',
        { schema: completeRequestSchema },
        { status: 200, description: 'The stored video', schema: completedUploadSchema },
      ),
    },
    '/uploads/multipart/abort': {
      post: operation(
        'abortMultipartUpload',
        'Abandons an upload: S3 drops its parts',
        { schema: abortRequestSchema },
        { status: 200, description: 'Aborted', schema: abortedUploadSchema },
      ),
    },
  };
}
