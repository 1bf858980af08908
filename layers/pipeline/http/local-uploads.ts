import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Hono } from 'hono';
import { z } from 'zod';
import { XclipError } from '../../common/errors.js';
import { DEFAULT_VIDEO_SUFFIXES, hasVideoSuffix, InvalidRequestError, videoIdFor } from '../core/index.js';
import { errorResponse, jsonSchema } from './openapi.js';

const MAX_LOCAL_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_NAME_CHARS = 200;
/** Tries of "name (2).mp4", "name (3).mp4"... when the name is taken: uploads never replace a file. */
const MAX_NAME_TRIES = 100;

export interface LocalUploadOptions {
  /** The watched folder, where uploads land. */
  folder: string;
  /** Its bucket name in video ids. */
  bucket: string;
  maxBytes?: number;
}

const uploadQuerySchema = z.strictObject({ name: z.string().min(1).max(MAX_NAME_CHARS) });

export const localUploadResponseSchema = z.object({ id: z.string(), key: z.string(), bytes: z.number().int() });

class PayloadTooLargeError extends XclipError {
  constructor(maxBytes: number) {
    super('PAYLOAD_TOO_LARGE', 'upload too large', `at most ${maxBytes} bytes`);
  }
}

/** Why `name` cannot be a file name in the watched folder, or undefined. */
function nameProblem(name: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) return 'it contains a slash, a backslash or a control character';
  if (name.startsWith('.')) return 'it starts with a dot';
  if (Buffer.byteLength(name) > MAX_NAME_CHARS) return `it is longer than ${MAX_NAME_CHARS} bytes`;
  // The suffixes the AWS deployment classifies: the watcher would take anything, but only videos belong here.
  if (!hasVideoSuffix(name, DEFAULT_VIDEO_SUFFIXES))
    return `it does not end in a video suffix (${DEFAULT_VIDEO_SUFFIXES.join(' ')})`;
  return undefined;
}

/** `video/*` and octet-stream are not CORS-safelisted types, so another site's page cannot post here without a preflight. */
function isUploadType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/octet-stream' || /^video\/[a-z0-9.+-]+$/.test(type);
}

/** "clip.mp4", then "clip (2).mp4", "clip (3).mp4"... */
function candidateName(name: string, attempt: number): string {
  if (attempt === 1) return name;
  const extension = extname(name);
  return `${name.slice(0, name.length - extension.length)} (${attempt})${extension}`;
}

function byteCounter(maxBytes: number): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      done(counter.bytes > maxBytes ? new PayloadTooLargeError(maxBytes) : null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/** Gives the finished temporary file a free name beside it; a hard link fails on a taken name instead of replacing it. */
async function linkUnderFreeName(temp: string, folder: string, name: string): Promise<string> {
  for (let attempt = 1; attempt <= MAX_NAME_TRIES; attempt++) {
    const key = candidateName(name, attempt);
    try {
      await link(temp, join(folder, key));
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new InvalidRequestError(
    'cannot store the upload',
    `${name} and ${MAX_NAME_TRIES - 1} numbered names are taken`,
  );
}

/**
 * POST /uploads/local?name=FILE: streams the body into the watched folder as FILE (or "FILE (2)"
 * when taken), where the watcher picks it up like any dropped file. The body goes to a hidden
 * temporary file first, which the watcher ignores, so a half-received upload is never classified.
 */
export function addLocalUploads(app: Hono, options: LocalUploadOptions): void {
  const maxBytes = options.maxBytes ?? MAX_LOCAL_UPLOAD_BYTES;
  app.post('/uploads/local', async (c) => {
    const parsed = uploadQuerySchema.safeParse(c.req.query());
    if (!parsed.success)
      throw new InvalidRequestError('invalid upload', 'give the file name, and nothing else, as ?name=');
    const { name } = parsed.data;
    const problem = nameProblem(name);
    if (problem) throw new InvalidRequestError('invalid upload', `name ${JSON.stringify(name)}: ${problem}`);
    if (!isUploadType(c.req.header('content-type')))
      throw new XclipError(
        'UNSUPPORTED_MEDIA_TYPE',
        'invalid upload',
        'send the file as video/* or application/octet-stream',
      );
    if (Number(c.req.header('content-length') ?? 0) > maxBytes) throw new PayloadTooLargeError(maxBytes);
    const body = c.req.raw.body;
    if (!body) throw new InvalidRequestError('invalid upload', 'the body is empty');

    const temp = join(options.folder, `.upload-${randomBytes(8).toString('hex')}.tmp`);
    try {
      const counter = byteCounter(maxBytes);
      await pipeline(Readable.fromWeb(body as WebReadableStream), counter, createWriteStream(temp, { flags: 'wx' }));
      if (counter.bytes === 0) throw new InvalidRequestError('invalid upload', 'the body is empty');
      const key = await linkUnderFreeName(temp, options.folder, name);
      return c.json({ id: videoIdFor(options.bucket, key), key, bytes: counter.bytes }, 201);
    } finally {
      await rm(temp, { force: true });
    }
  });
}

/** The OpenAPI path item of POST /uploads/local, for the local server's document. */
export function localUploadsOpenApiPath(): Record<string, unknown> {
  return {
    post: {
      operationId: 'uploadLocal',
      summary: 'Stores one video in the watched folder (only with xclip serve --watch), where it is classified',
      parameters: [
        {
          name: 'name',
          in: 'query',
          required: true,
          description: 'File name: no slashes or control characters, no leading dot, a video suffix',
          schema: { type: 'string', minLength: 1, maxLength: MAX_NAME_CHARS },
        },
      ],
      requestBody: {
        required: true,
        content: {
          'video/*': { schema: { type: 'string', contentMediaType: 'video/*' } },
          'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
        },
      },
      responses: {
        201: {
          description: 'Stored: the file name it got and the id GET /videos/{id} will know once it is queued',
          content: { 'application/json': { schema: jsonSchema(localUploadResponseSchema, 'output') } },
        },
        400: errorResponse('Invalid request (code INVALID_REQUEST)'),
        413: errorResponse('Body too large (code PAYLOAD_TOO_LARGE)'),
        415: errorResponse('Not video/* or application/octet-stream (code UNSUPPORTED_MEDIA_TYPE)'),
        500: errorResponse('Internal error (code INTERNAL)'),
      },
    },
  };
}
